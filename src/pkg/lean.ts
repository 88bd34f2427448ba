// What every daemonless package drops from its Debian packages before its own `remove:` list:
// files no service reads at run time (documentation, manual and info pages, translations,
// headers, static libraries, Debian's packaging notes). One list for all packages, so a new
// package is lean without copying these lines, and docs/pkg.md names them once. `copy:` comes
// after, so a package that really needs such a file supplies it itself.
import type { Rootfs } from './rootfs.js';

/** Directories removed whole. */
export const LEAN_REMOVE = [
  'usr/share/doc',
  'usr/share/doc-base',
  'usr/share/man',
  'usr/share/info',
  'usr/share/locale',
  'usr/share/lintian',
  'usr/share/bug',
  'usr/include',
];

/** File names removed wherever they are: static libraries and libtool archives (for linking only). */
const LEAN_SUFFIXES = ['.a', '.la'];

/** Drops the above from the tree; returns how many entries went. */
export function dropUnneeded(fs: Rootfs): number {
  const before = fs.entries.size;
  for (const p of LEAN_REMOVE) fs.remove(p);
  for (const e of [...fs.entries.values()]) {
    if (e.type !== 'directory' && LEAN_SUFFIXES.some((s) => e.path.endsWith(s))) fs.entries.delete(e.path);
  }
  return before - fs.entries.size;
}
