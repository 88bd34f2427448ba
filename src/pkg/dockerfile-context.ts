// The build context of a Dockerfile package, as LinuxKit sends it: one tar of the package
// directory at / plus each `extra-sources` entry (src:dst) at its dst, streamed file by file
// (never read whole). Owners are root, as the docker CLI writes its context tar.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { isAbsolute, join, normalize, posix } from 'node:path';
import { Readable } from 'node:stream';
import { packEntries, type EntryType, type TarEntry } from '../tar/index.js';
import type { Package } from './package.js';

export interface ContextSource {
  src: string;
  /** Where it goes in the context ("/" for the package itself). */
  dst: string;
}

export function contextSources(pkg: Package): ContextSource[] {
  const out: ContextSource[] = [{ src: pkg.dir, dst: '/' }];
  for (const s of pkg.yml.extraSources) {
    const [src, dst] = s.split(':') as [string, string];
    out.push({ src: isAbsolute(src) ? normalize(src) : join(pkg.dir, src), dst: posix.normalize(dst) });
  }
  return out;
}

const empty = (): Readable => Readable.from([]);

async function* walk(src: string, dst: string): AsyncGenerator<TarEntry> {
  const base = dst.replace(/^\/+/, '').replace(/\/+$/, '');
  const visit = async function* (abs: string, rel: string): AsyncGenerator<TarEntry> {
    const st = await lstat(abs);
    const path = [base, rel].filter(Boolean).join('/');
    const common = { path, mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: st.mtime, xattrs: {} };
    if (st.isDirectory()) {
      if (path) yield { ...common, type: 'directory' as EntryType, size: 0, body: empty() };
      for (const name of (await readdir(abs)).sort()) yield* visit(join(abs, name), rel ? `${rel}/${name}` : name);
    } else if (st.isSymbolicLink()) {
      yield { ...common, type: 'symlink', size: 0, linkname: await readlink(abs), body: empty() };
    } else if (st.isFile()) {
      yield { ...common, type: 'file', size: st.size, body: createReadStream(abs) };
    } // sockets, fifos and devices have no place in a build context
  };
  yield* visit(src, '');
}

/** The context tar, produced as it is read. */
export function contextTar(sources: ContextSource[]): Readable {
  return packEntries(
    (async function* () {
      for (const s of sources) yield* walk(s.src, s.dst);
    })(),
  );
}

/**
 * The images a Dockerfile's stages start from (`FROM [--platform=…] image [AS name]`), with
 * `${ARG}`/`$ARG` from the global ARGs and the build args expanded; `scratch` and earlier
 * stages are left out. Used to hand images from the linuxkit cache to the engine, as LinuxKit
 * does, so a package can build FROM another package that was never pushed.
 */
export function baseImages(dockerfile: string, buildArgs: Map<string, string>): string[] {
  const lines = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const args = new Map<string, string>();
  const stages = new Set<string>();
  const out: string[] = [];
  let seenFrom = false;
  const expand = (s: string): string =>
    s.replace(/\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g, (_m, a: string | undefined, dflt: string | undefined, b: string | undefined) => args.get((a ?? b)!) || dflt || '');
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [instr, ...rest] = line.split(/\s+/);
    const word = instr!.toUpperCase();
    if (word === 'ARG' && !seenFrom) {
      for (const a of rest) {
        const eq = a.indexOf('=');
        const k = eq < 0 ? a : a.slice(0, eq);
        const v = buildArgs.get(k) ?? (eq < 0 ? '' : a.slice(eq + 1).replace(/^"(.*)"$/, '$1'));
        args.set(k, v);
      }
    } else if (word === 'FROM') {
      seenFrom = true;
      const words = rest.filter((w) => !w.startsWith('--'));
      const image = expand(words[0] ?? '');
      if (image && image !== 'scratch' && !stages.has(image.toLowerCase()) && !out.includes(image)) out.push(image);
      // Named after the check: `FROM x AS x` starts from the image x, not from itself.
      if (words[1]?.toUpperCase() === 'AS' && words[2]) stages.add(words[2].toLowerCase());
    }
  }
  return out;
}
