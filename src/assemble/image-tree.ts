// An image's filesystem written under a prefix of the output, with LinuxKit's adjustments
// (lk:moby/build/image.go ImageTar): a few files Docker would inject are dropped, /etc/hosts
// and /etc/resolv.conf get fixed contents, the files every root needs are made if absent, and
// the directories every root needs are written again after the image, root-owned and 0755.
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
  /** Hard links to a file written below (etc/hosts…): they must follow their target. */
  const linksToReplaced: OutEntry[] = [];
  for await (const { body, ...entry } of image.entries()) {
    const name = entry.path;
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
    if (entry.type === 'link' && entry.linkname) {
      out.linkname = opts.prefix + entry.linkname;
      if (REPLACED[entry.linkname] !== undefined) {
        linksToReplaced.push(out);
        continue;
      }
    }
    await sink.add(out, entry.type === 'file' ? body : undefined);
  }
  for (const req of REQUIRED) {
    if (found.has(req.path)) continue;
    const h = generated({ ...req, path: opts.prefix + req.path, pax: pax() });
    if (req.path === 'etc/resolv.conf' && opts.resolvSymlink) {
      await sink.add({ ...h, type: 'symlink', linkname: opts.resolvSymlink });
    } else if (REPLACED[req.path] !== undefined) {
      const contents = REPLACED[req.path]!;
      await sink.add({ ...h, size: Buffer.byteLength(contents) }, contents);
    } else {
      await sink.add(h);
    }
  }
  for (const link of linksToReplaced) await sink.add(link);
}
