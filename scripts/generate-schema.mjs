#!/usr/bin/env node
// Build step (npm run build, after tsc): writes schema/linuxkit.schema.json from the YAML model's
// one declaration (src/config/model.ts, through dist/src/config/model-schema.js). The file stays
// committed, as editors (yaml-language-server) read it; src/config/model-schema.test.ts fails
// when the committed file is not what the model gives. `--check` only compares, exit 1 if stale:
// the build passes it under CI (CI=true), so a commit with a stale schema fails there.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { configSchemaText } = await import(join(root, 'dist/src/config/model-schema.js'));
const file = join(root, 'schema/linuxkit.schema.json');
const text = configSchemaText();
let old = '';
try {
  old = readFileSync(file, 'utf8');
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
}
if (process.argv.includes('--check')) {
  if (old !== text) {
    console.error('schema/linuxkit.schema.json is not what src/config/model.ts gives: run npm run build');
    process.exit(1);
  }
} else if (old !== text) {
  writeFileSync(file, text);
  console.error('wrote schema/linuxkit.schema.json from src/config/model.ts');
}
