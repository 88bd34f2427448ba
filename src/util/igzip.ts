// isa-l's igzip (Debian package `isal`): gzip several times faster than zlib (the benchmark's
// 219 MB cpio: 0.6 CPU s against zlib level 1's 3.2, for 2 % more bytes). With LINUXKIT_IGZIP=on
// builds compress gzip initrds with it where it is installed; otherwise with Node's zlib.
// Not the default because its output is not always the same for the same input (measured: one
// 236-byte input gave a second output in 4 of 2,000 runs of `igzip -2 -n`; docs/formats.md), and
// builds promise byte-reproducible outputs. Inflating layers with it was measured and not kept
// (docs/performance.md).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Environment variable: "on" makes builds compress gzip initrds with igzip where it is installed,
 * trading byte-reproducible initrds for speed (see above).
 */
export const ENV_IGZIP = 'LINUXKIT_IGZIP';
/** The Debian package that has igzip. */
export const IGZIP_PACKAGE = 'isal';

export interface Igzip {
  path: string;
  /** "2.30.0": part of the member cache's key, since another version may deflate differently. */
  version: string;
}

let found: { key: string; igzip: Igzip | undefined } | undefined;

/** igzip, when LINUXKIT_IGZIP=on and it is on $PATH; looked up once. */
export function igzip(): Igzip | undefined {
  return process.env[ENV_IGZIP] === 'on' ? installedIgzip() : undefined;
}

/** igzip on $PATH, whatever LINUXKIT_IGZIP says (undefined if absent). */
export function installedIgzip(): Igzip | undefined {
  const key = process.env.PATH ?? '';
  if (found?.key !== key) found = { key, igzip: lookUp() };
  return found.igzip;
}

function lookUp(): Igzip | undefined {
  const path = findOnPath('igzip');
  if (!path) return undefined;
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 5000 });
  const version = /(\d+\.\d+\.\d+)/.exec(`${r.stdout}${r.stderr}`)?.[1];
  return r.status === 0 && version ? { path, version } : undefined;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
