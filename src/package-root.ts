// The package's root directory (package.json, schema/, dist/), found from this module's own
// location: that is dist/src/ when run from tsc's output and dist/ when run from the bundled CLI
// (scripts/bundle.mjs), so paths relative to import.meta.url would differ between the two.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schema'))) return dir;
    if (dirname(dir) === dir) throw new Error(`linuxkit-ts: no package root (package.json and schema/) above ${start}`);
  }
}

export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
