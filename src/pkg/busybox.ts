// build.yml's `busybox-links: /bin/busybox`: a symlink to the busybox binary for each of its
// applets, at the path busybox itself installs it (`/sbin/init`, `/usr/bin/awk`, …). The list
// comes from the binary that is in the image — `busybox --list-full` — so it always matches the
// busybox actually shipped, with no hand-kept list of ~270 names. Running the binary is only
// possible when it is built for the host's architecture; for any other architecture the build
// stops with a message saying so (list the links under `symlinks:` there instead).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError, type SourcePos } from '../util/index.js';
import { normalizeEntryPath } from '../tar/index.js';
import type { Rootfs } from './rootfs.js';

/**
 * Parses `busybox --list-full` output ("usr/bin/awk" per line) into clean relative paths,
 * rejecting anything that is not a plain path inside the image.
 */
export function parseAppletList(text: string, origin: string): string[] {
  const paths: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (!/^[A-Za-z0-9_./[\-]+$/.test(line) || line.split('/').includes('..')) throw new UserError(`${origin}: unexpected applet path "${line}"`);
    paths.push(normalizeEntryPath(line, `${origin}: applet path`));
  }
  if (paths.length === 0) throw new UserError(`${origin}: the applet list is empty`);
  return paths;
}

/** Runs the image's busybox (copied out of the staging tree) with --list-full. */
export function listApplets(fs: Rootfs, binary: string, arch: string, hostArch: string, pos?: SourcePos): string[] {
  const path = normalizeEntryPath(binary, 'busybox-links binary');
  if (arch !== hostArch) {
    throw new UserError(
      `busybox-links: cannot list the applets of /${path} for ${arch}: that needs running the binary, ` +
        `which only works for the host's architecture (${hostArch}). Build this package for ${hostArch} only ` +
        `(--platforms linux/${hostArch}), or replace busybox-links with explicit symlinks:`,
      pos,
    );
  }
  const entry = fs.entries.get(path);
  if (!entry || entry.type !== 'file' || !entry.content) {
    throw new UserError(`busybox-links: /${path} is not a file in the image (is busybox-static in debian.packages?)`, pos);
  }
  const dir = mkdtempSync(join(tmpdir(), 'linuxkit-busybox-'));
  try {
    const exe = join(dir, 'busybox');
    copyFileSync(entry.content, exe);
    chmodSync(exe, 0o755);
    let out: string;
    try {
      out = execFileSync(exe, ['--list-full'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const why = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
      throw new UserError(`busybox-links: /${path} --list-full failed (a static busybox is needed): ${why}`, pos, { cause: err });
    }
    return parseAppletList(out, `/${path} --list-full`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Adds a symlink to `/binary` at each applet path that is not already in the image (files from
 * packages or `copy:` win; explicit `symlinks:` are applied afterwards and win too).
 * Returns the number of links added.
 */
export function addAppletLinks(fs: Rootfs, binary: string, applets: string[]): number {
  const target = '/' + normalizeEntryPath(binary, 'busybox-links binary');
  let added = 0;
  for (const p of applets) {
    if (p === '' || '/' + p === target || fs.entries.has(p)) continue;
    fs.addSymlink(p, target);
    added++;
  }
  return added;
}
