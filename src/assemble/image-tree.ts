// An image's filesystem written under a prefix of the output, with LinuxKit's adjustments
// (lk:moby/build/image.go ImageTar): a few files Docker would inject are dropped, /etc/hosts
// and /etc/resolv.conf get fixed contents, and the files every root needs are made if absent.
import { PAX_LOCATION, PAX_SOURCE, generated, generatedMtime, type EntryHeader, type TarSink } from './tar-sink.js';
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

/** Paths that must exist in every unpacked image, in the (sorted) order they are added. */
const REQUIRED: Array<Pick<EntryHeader, 'name' | 'type' | 'mode'> & { linkname?: string }> = [
  { name: 'dev', type: 'directory', mode: 0o755 },
  { name: 'dev/pts', type: 'directory', mode: 0o755 },
  { name: 'dev/shm', type: 'directory', mode: 0o755 },
  { name: 'etc', type: 'directory', mode: 0o755 },
  { name: 'etc/hosts', type: 'file', mode: 0o644 },
  { name: 'etc/mtab', type: 'symlink', mode: 0o755, linkname: '/proc/mounts' },
  { name: 'etc/resolv.conf', type: 'file', mode: 0o644 },
  { name: 'proc', type: 'directory', mode: 0o755 },
  { name: 'sys', type: 'directory', mode: 0o755 },
];
const REQUIRED_NAMES = new Set(REQUIRED.map((r) => r.name));

export interface TreeOptions {
  /** Where in the YAML this image is: "init[0]", "onboot[1]", "volume[0]"… */
  location: string;
  /** Output directory ("containers/onboot/000-x/lower/"), "" for the root. Ends with "/". */
  prefix: string;
  /** If set, /etc/resolv.conf becomes a symlink here (init images: /run/resolvconf/resolv.conf). */
  resolvSymlink?: string;
}

/** The PAX records every entry of one image carries. */
export function sourcePax(source: string, location: string, existing?: Record<string, string>): Record<string, string> {
  return { ...existing, [PAX_SOURCE]: source, [PAX_LOCATION]: location };
}

/** The directories of `prefix` ("a/b/" → "a", "a/b"), each made as a plain 0755 directory. */
export async function writePrefixDirs(sink: TarSink, prefix: string, source: string, location: string): Promise<void> {
  if (prefix === '') return;
  if (!prefix.endsWith('/') || prefix.startsWith('/')) throw new Error(`bad output prefix "${prefix}"`);
  const parts = prefix.slice(0, -1).split('/');
  for (let i = 1; i <= parts.length; i++) {
    await sink.add(generated({ name: parts.slice(0, i).join('/'), type: 'directory', pax: sourcePax(source, location) }));
  }
}

/**
 * Writes `image` (or, with no image, just the prefix directories) under opts.prefix.
 */
export async function writeImageTree(sink: TarSink, image: ResolvedImage | undefined, opts: TreeOptions): Promise<void> {
  const source = image?.ref ?? 'empty';
  await writePrefixDirs(sink, opts.prefix, source, opts.location);
  if (!image) return;
  const pax = (existing?: Record<string, string>) => sourcePax(source, opts.location, existing);
  const found = new Set<string>();
  for await (const { header, body } of image.entries()) {
    const name = header.name;
    if (EXCLUDED.has(name)) {
      body?.resume();
      continue;
    }
    if (REPLACED[name] !== undefined) {
      // LinuxKit writes its own version here and then, because it does not count it as
      // found, a second time with the required files; the second one wins on unpacking.
      // We write only that one (see docs/compatibility/assemble.md).
      body?.resume();
      continue;
    }
    const out: EntryHeader = { ...header, name: opts.prefix + name, pax: pax(header.pax) };
    if (REQUIRED_NAMES.has(name)) {
      out.mtime = generatedMtime();
      found.add(name);
    }
    if (header.type === 'link' && header.linkname) out.linkname = opts.prefix + header.linkname;
    await sink.add(out, body);
  }
  for (const req of REQUIRED) {
    if (found.has(req.name)) continue;
    const h = generated({ ...req, name: opts.prefix + req.name, pax: pax() });
    if (req.name === 'etc/resolv.conf' && opts.resolvSymlink) {
      await sink.add({ ...h, type: 'symlink', linkname: opts.resolvSymlink });
    } else if (REPLACED[req.name] !== undefined) {
      const contents = REPLACED[req.name]!;
      await sink.add({ ...h, size: Buffer.byteLength(contents) }, contents);
    } else {
      await sink.add(h);
    }
  }
}
