#!/usr/bin/env node
// Build step (npm run build): compiles schema/linuxkit.schema.json into a standalone ajv
// validator, dist/src/config/schema-validator.cjs, so that `linuxkit build` does not compile the
// schema at every start (~0.2 s, a tenth of a small build). The module records a hash of the
// schema it was made from; src/config/schema.ts uses it only when that still matches the schema
// file, and compiles at run time otherwise (e.g. after `tsc` alone). CommonJS because ajv's
// standalone code requires its runtime helpers.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const text = readFileSync(join(root, 'schema/linuxkit.schema.json'), 'utf8');
// The same options as src/config/schema.ts (keep them in step), plus source output.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, code: { source: true } });
const validate = ajv.compile(JSON.parse(text));
const hash = createHash('sha256').update(text).digest('hex');
const code = `${(standalone.default ?? standalone)(ajv, validate)}\nmodule.exports.schemaHash = ${JSON.stringify(hash)};\n`;
const out = join(root, 'dist/src/config/schema-validator.cjs');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, code);
