// Keeping an image's entries inside its own root in outputs (build's tar, cpio, squashfs; the
// `filesystem` export tar). A layer may hold `up -> ../../../..` and then `up/init`: written as
// named under containers/onboot/000-x/rootfs/, whatever unpacks the output (the kernel's initrd
// unpacker, tar) follows `up` and replaces the system's /init. So every entry's parent path is
// resolved against the image's own symlinks as they stand at that point of the stream (the
// flattened image, in the order a consumer creates it), with chroot semantics: `..` stops at the
// image's root and an absolute target starts from it, as the runtime resolves them inside the
// container and as `cache export` to a directory does on disk (extract.ts resolveInRoot). The
// entry is then written at the path it leads to, so no parent in the output is a symlink and the
// container sees the same file it would have seen. The last component is never followed (a
// consumer replaces a symlink there). Hard link targets are resolved the same way and must name
// a non-directory already written; a path that loops through symlinks is dropped.
import { log } from '../../util/index.js';
import { ancestors, type EntryType, type TarEntry } from '../../tar/index.js';

/** Linux's limit on symlinks followed in one lookup (ELOOP beyond). */
const MAX_FOLLOWS = 40;

/** Where an entry goes. */
export interface Placed {
  /** The path inside the image's root with no symlink among its parents. */
  path: string;
  /** For a hard link: its target, resolved the same way. */
  linkname?: string;
  /** The entry's path (or link target) would have led out of the root through the image's symlinks. */
  escaped: boolean;
}

/** Why an entry cannot be placed. */
export type Refused = { refused: string };

export class Confinement {
  /** Symlinks written so far: real path → target as written. */
  private readonly symlinks = new Map<string, string>();
  /** Non-directories written so far (what a hard link may name). */
  private readonly linkable = new Set<string>();
  /** The last parent resolved, reused while no symlink changed (entries come directory by directory). */
  private memo?: { dir: string; real: string; escaped: boolean };

  /**
   * Places one entry and records it as written, so later entries resolve against it.
   * `linkname` as in TarEntry: a symlink's target as written, a hard link's normalised target.
   */
  place(path: string, type: EntryType, linkname?: string): Placed | Refused {
    const at = this.resolveParent(path);
    if (at === undefined) return { refused: 'it leads through a loop of symlinks' };
    const out: Placed = { path: at.path, escaped: at.escaped };
    if (type === 'link') {
      const target = this.resolveParent(linkname ?? '');
      if (target === undefined) return { refused: `its target ${linkname} leads through a loop of symlinks` };
      if (!this.linkable.has(target.path)) return { refused: `its target ${linkname} is not a file written before it` };
      out.linkname = target.path;
      out.escaped ||= target.escaped;
    }
    this.record(out.path, type, linkname);
    return out;
  }

  private record(path: string, type: EntryType, linkname?: string): void {
    if (type === 'symlink') {
      this.symlinks.set(path, linkname ?? '');
      this.memo = undefined;
    } else if (this.symlinks.delete(path)) {
      this.memo = undefined;
    }
    if (type === 'directory') this.linkable.delete(path);
    else this.linkable.add(path);
  }

  /** `path` with its parent directories resolved; undefined on a symlink loop. */
  private resolveParent(path: string): { path: string; escaped: boolean } | undefined {
    const slash = path.lastIndexOf('/');
    if (slash === -1 || this.symlinks.size === 0) return { path, escaped: false };
    const dir = path.slice(0, slash);
    let m = this.memo;
    if (m?.dir !== dir) {
      const r = this.resolveDir(dir);
      if (r === undefined) return undefined;
      m = this.memo = { dir, ...r };
    }
    const base = path.slice(slash + 1);
    return { path: m.real === '' ? base : `${m.real}/${base}`, escaped: m.escaped };
  }

  /** A directory path with every symlink in it followed, inside the root. */
  private resolveDir(dir: string): { real: string; escaped: boolean } | undefined {
    // Most directories have no symlink above them: only walk when one of its prefixes is one.
    if (!this.symlinks.has(dir) && !ancestors(dir).some((a) => this.symlinks.has(a))) return { real: dir, escaped: false };
    let queue = dir.split('/');
    let out: string[] = [];
    let follows = 0;
    let escaped = false;
    while (queue.length) {
      const part = queue.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        // Above the root: a consumer unpacking the output would have gone there.
        if (out.length === 0) escaped = true;
        out.pop();
        continue;
      }
      out.push(part);
      const target = this.symlinks.get(out.join('/'));
      if (target === undefined) continue;
      if (++follows > MAX_FOLLOWS) return undefined;
      out.pop();
      if (target.startsWith('/')) {
        // The runtime takes `/` as the container's root; an unpacker of the output takes it as its own.
        escaped = true;
        out = [];
      }
      queue = [...target.split('/'), ...queue];
    }
    return { real: out.join('/'), escaped };
  }
}

/** Whether `place` refused the entry. */
export function isRefused(p: Placed | Refused): p is Refused {
  return 'refused' in p;
}

/** `entries` placed inside their root (the `filesystem` export tar); `what` names the image in warnings. */
export async function* confineEntries<E extends TarEntry>(entries: AsyncIterable<E>, what: string): AsyncGenerator<E> {
  const c = new Confinement();
  for await (const e of entries) {
    const p = c.place(e.path, e.type, e.linkname);
    if (isRefused(p)) {
      log.warn(`${what}: ${e.path} is left out: ${p.refused}`);
      continue;
    }
    yield p.path === e.path && p.linkname === e.linkname ? e : { ...e, path: p.path, ...(p.linkname !== undefined && { linkname: p.linkname }) };
  }
}
