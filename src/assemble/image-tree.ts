// An image's filesystem written under a prefix of the output, with LinuxKit's adjustments
// (lk:moby/build/image.go ImageTar): a few files Docker would inject are dropped, /etc/hosts
// and /etc/resolv.conf get fixed contents, the files every root needs are made if absent, and
// the directories every root needs are written again after the image, root-owned and 0755.
// Every entry, the image's and the generated ones, is placed inside the image's own root
// (src/oci/layer/confine.ts): no path in the output leads out of it through the image's symlinks.
import { Confinement, isRefused } from '../oci/index.js';
import type { EntryType } from '../tar/index.js';
import { CorruptCacheError } from '../oci/index.js';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { PAX_LOCATION, PAX_SOURCE, generated, generatedMtime, type EntrySink, type OutEntry } from './tar-sink.js';
import type { ResolvedImage } from './image-source.js';

/** Files Docker adds to exported containers; never part of an image's content. */
const EXCLUDED = new Set(['.dockerenv', 'Dockerfile', 'dev/console', 'dev/pts', 'dev/shm', 'etc/hostname']);

const HOSTS = `127.0.0.1       localhost
::1     localhost ip6-localhost ip6-loopback
fe00::0 ip6-localnet
ff00::0 ip6-mcastprefix
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
`;
const NO_RESOLV = '\n# no resolv.conf configured\n';
const REPLACED: Record<string, string> = { 'etc/hosts': HOSTS, 'etc/resolv.conf': NO_RESOLV };

/**
 * Paths that must exist in every unpacked image, in the (sorted) order they are added. LinuxKit
 * looks the image's entries up in this list by names with a trailing slash for directories
 * ("dev/"), while the image's names have none (go-containerregistry cleans them): so it never
 * finds the directories and writes each of them after the image even when the image has it. The
 * image's mode and owner for dev, etc, proc and sys therefore do not survive unpacking, and they
 * do not here either.
 */
const REQUIRED: Array<Pick<OutEntry, 'path' | 'type' | 'mode'> & { linkname?: string }> = [
  { path: 'dev', type: 'directory', mode: 0o755 },
  { path: 'dev/pts', type: 'directory', mode: 0o755 },
  { path: 'dev/shm', type: 'directory', mode: 0o755 },
  { path: 'etc', type: 'directory', mode: 0o755 },
  { path: 'etc/hosts', type: 'file', mode: 0o644 },
  { path: 'etc/mtab', type: 'symlink', mode: 0o755, linkname: '/proc/mounts' },
  { path: 'etc/resolv.conf', type: 'file', mode: 0o644 },
  { path: 'proc', type: 'directory', mode: 0o755 },
  { path: 'sys', type: 'directory', mode: 0o755 },
];
/** The required files found in an image are kept (with the generated mtime) and not made. */
const REQUIRED_FILES = new Set(REQUIRED.filter((r) => r.type !== 'directory').map((r) => r.path));

export interface TreeOptions {
  /** Where in the YAML this image is: "init[0]", "onboot[1]", "volume[0]"… */
  location: string;
  /** Output directory ("containers/onboot/000-x/lower/"), "" for the root. Ends with "/". */
  prefix: string;
  /** If set, /etc/resolv.conf becomes a symlink here (init images: /run/resolvconf/resolv.conf). */
  resolvSymlink?: string;
}

/** The PAX records every entry of one image carries. */
export function sourcePax(source: string, location: string): Record<string, string> {
  return { [PAX_SOURCE]: source, [PAX_LOCATION]: location };
}

/** The directories of `prefix` ("a/b/" → "a", "a/b"), each made as a plain 0755 directory. */
export async function writePrefixDirs(sink: EntrySink, prefix: string, source: string, location: string): Promise<void> {
  if (prefix === '') return;
  if (!prefix.endsWith('/') || prefix.startsWith('/')) throw new Error(`bad output prefix "${prefix}"`);
  const parts = prefix.slice(0, -1).split('/');
  for (let i = 1; i <= parts.length; i++) {
    await sink.add(generated({ path: parts.slice(0, i).join('/'), type: 'directory', pax: sourcePax(source, location) }));
  }
}

/**
 * Writes `image` (or, with no image, just the prefix directories) under opts.prefix.
 */
export async function writeImageTree(sink: EntrySink, image: ResolvedImage | undefined, opts: TreeOptions): Promise<void> {
  const source = image?.ref ?? 'empty';
  await writePrefixDirs(sink, opts.prefix, source, opts.location);
  if (!image) return;
  const pax = () => sourcePax(source, opts.location);
  const found = new Set<string>();
  const inside = new ImageRoot(source, opts);
  /** Hard links to a file written below (etc/hosts…): they must follow their target. */
  const linksToReplaced: OutEntry[] = [];
  try {
    await writeEntries(sink, image, opts, inside, found, linksToReplaced);
  } catch (err) {
    // Say which image a bad layer belongs to (the reader knows only the layer's digest).
    if (!(err instanceof UserError) || err.message.includes(source)) throw err;
    const message = `image ${source} (${opts.location}): ${err.message}`;
    // A corrupt cached copy keeps its class: build() reads the good bytes once more on it.
    throw err instanceof CorruptCacheError ? new CorruptCacheError(message) : new UserError(message, undefined, { cause: err });
  }
  inside.report();
  for (const req of REQUIRED) {
    if (found.has(req.path)) continue;
    const symlink = req.path === 'etc/resolv.conf' && opts.resolvSymlink;
    const placed = inside.place(req.path, symlink ? 'symlink' : req.type, symlink || req.linkname);
    if (!placed) continue;
    const h = generated({ ...req, path: opts.prefix + placed.path, pax: pax() });
    if (symlink) {
      await sink.add({ ...h, type: 'symlink', linkname: symlink });
    } else if (REPLACED[req.path] !== undefined) {
      const contents = REPLACED[req.path]!;
      await sink.add({ ...h, size: Buffer.byteLength(contents) }, contents);
    } else {
      await sink.add(h);
    }
  }
  for (const link of linksToReplaced) await sink.add(link);
}

/**
 * The image's own entries, placed inside its root; `found` gets the required files it has, and
 * `linksToReplaced` the hard links to a file written after the image.
 */
async function writeEntries(
  sink: EntrySink,
  image: ResolvedImage,
  opts: TreeOptions,
  inside: ImageRoot,
  found: Set<string>,
  linksToReplaced: OutEntry[],
): Promise<void> {
  const pax = () => sourcePax(image.ref, opts.location);
  for await (const { body, ...entry } of image.entries()) {
    const placed = inside.place(entry.path, entry.type, entry.linkname);
    if (!placed) continue;
    const name = placed.path;
    if (EXCLUDED.has(name) || REPLACED[name] !== undefined) {
      // Replaced files: LinuxKit writes its own version here and then, because it does not
      // count it as found, a second time with the required files; the second one wins on
      // unpacking. We write only that one (docs/compatibility/assemble.md). The body is left
      // alone (ResolvedImage.entries skips it).
      continue;
    }
    const out: OutEntry = { ...entry, path: opts.prefix + name, pax: pax() };
    if (REQUIRED_FILES.has(name)) {
      out.mtime = generatedMtime();
      found.add(name);
    }
    if (placed.linkname !== undefined) {
      out.linkname = opts.prefix + placed.linkname;
      if (REPLACED[placed.linkname] !== undefined) {
        linksToReplaced.push(out);
        continue;
      }
    }
    await sink.add(out, entry.type === 'file' ? body : undefined);
  }
}

/** One image's root in the output: entries placed inside it, and what had to be changed said once. */
class ImageRoot {
  private readonly confinement = new Confinement();
  private escapes = 0;
  private firstEscape = '';

  constructor(
    private readonly source: string,
    private readonly opts: TreeOptions,
  ) {}

  /** Where `path` goes inside the root; undefined (with a warning) when it cannot go anywhere. */
  place(path: string, type: EntryType, linkname?: string): { path: string; linkname?: string } | undefined {
    const placed = this.confinement.place(path, type, linkname);
    if (isRefused(placed)) {
      log.warn(`${this.what()}: ${type === 'link' ? 'hard link ' : ''}${path} is left out: ${placed.refused}`);
      return undefined;
    }
    // At the root of the output (init images) nothing is outside: `/` and `..` stay there.
    if (placed.escaped && this.opts.prefix !== '' && this.escapes++ === 0) {
      this.firstEscape = type === 'link' ? `hard link ${path} to ${linkname} (now ${placed.path} to ${placed.linkname})` : `${path} (now ${placed.path})`;
    }
    return placed;
  }

  /** One warning for the entries that led out of the root, naming the first. */
  report(): void {
    if (this.escapes === 0) return;
    const more = this.escapes > 1 ? ` and ${this.escapes - 1} more` : '';
    log.warn(
      `${this.what()}: ${this.firstEscape}${more} led out of the image's root through its own symlinks; ` +
        `written where those symlinks lead inside it, as the container sees them (docs/security.md)`,
    );
  }

  private what(): string {
    return `image ${this.source} (${this.opts.location})`;
  }
}
