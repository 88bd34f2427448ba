#!/usr/bin/env node
// Build step (npm run build): bundles the compiled CLI (dist/src/cli/main.js and everything it
// imports, dependencies included) into dist/linuxkit.mjs, which bin/linuxkit.js runs, and
// dist/chunks/*.mjs. Why: node spends ~0.3 s of every command finding, reading and compiling
// ~300 module files (84 of them yaml's); bundled files start in a fraction of that. Split into
// chunks, a command reads and compiles only its own code: main.ts imports each command's module
// with import(), and package.json's "sideEffects": false lets esbuild drop what a command does
// not use (docs/performance.md, "Start-up and pulls"). The modules under dist/src stay as they
// are for the tests and for use as a library.
// Left out of the bundle, loaded from node_modules when needed: ajv, which only compiles the
// schema when the precompiled validator is out of date.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: { linuxkit: join(root, 'dist/src/cli/main.js') },
  outdir: join(root, 'dist'),
  // Each command's module (src/cli/main.ts loads them with import()) and what only it uses
  // become chunks of their own, read and compiled only when that command runs.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ajv'],
  // Dependencies written as CommonJS call require(); give the ES module one.
  banner: { js: "import { createRequire as __lkCreateRequire } from 'node:module'; const require = __lkCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
