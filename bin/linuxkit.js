#!/usr/bin/env node
// The `linuxkit` command: a thin launcher for the bundled CLI (`npm run build` makes it from
// dist/src/cli/main.js; see scripts/bundle.mjs).
import { main } from '../dist/linuxkit.mjs';

process.exitCode = await main(process.argv);
