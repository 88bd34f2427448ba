// Layer blobs are gzip, zstd or plain tar; the media type is not always right (docker-save tars,
// hand-made layouts), so the compression is read from the first bytes, as containerd does.
//
// zstd: Node 20's zlib has no zstd, and the npm choices are either native addons (a compiler at
// install time) or pure-JS decoders several times slower than the C one. zstd layers are rare in
// LinuxKit's world, so they are piped through Debian's `zstd -dc`, which streams, is fast, and is
// only needed on machines that meet such a layer. See docs/cache.md.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { PassThrough, Readable, type Transform } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { UserError } from '../../util/index.js';

export type Compression = 'gzip' | 'zstd' | 'none';

/** zlib output piece size (Node's default is 16 KiB). */
const GUNZIP_CHUNK = 256 * 1024;
/** How much inflated data may wait for the parser. */
const GUNZIP_AHEAD = 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

export function detectCompression(head: Uint8Array): Compression {
  const starts = (magic: number[]): boolean => magic.every((b, i) => head[i] === b);
  if (starts(GZIP_MAGIC)) return 'gzip';
  if (starts(ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

/** Reads the first `n` bytes of a stream (fewer at EOF) and puts them back. */
export async function peek(source: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  while (have < n) {
    const chunk = source.read() as Buffer | null;
    if (chunk !== null) {
      chunks.push(chunk);
      have += chunk.length;
      continue;
    }
    if (source.readableEnded || source.destroyed) break;
    const ended = once(source, 'end').then(() => 'end');
    const readable = once(source, 'readable').then(() => 'readable');
    const errored = once(source, 'error').then(([e]) => Promise.reject(e as Error));
    const what = await Promise.race([ended, readable, errored]);
    if (what === 'end') break;
  }
  const all = Buffer.concat(chunks);
  if (all.length) source.unshift(all);
  return all.subarray(0, n);
}

/** The uncompressed tar stream of a layer blob, whatever its compression. */
export async function decompressed(source: Readable): Promise<{ stream: Readable; compression: Compression }> {
  const compression = detectCompression(await peek(source, 4));
  switch (compression) {
    case 'none':
      return { stream: source, compression };
    case 'gzip': {
      const gunzip = gunzipStream();
      source.on('error', (err) => gunzip.destroy(err));
      // A consumer that stops early closes the file (or socket) underneath too.
      gunzip.on('close', () => source.destroy());
      return { stream: source.pipe(gunzip), compression };
    }
    case 'zstd':
      return { stream: toolDecompress(source, 'zstd', 'a layer'), compression };
  }
}

/**
 * A gunzip for layers: bigger output pieces (fewer round trips to the thread pool) and room to
 * run ahead of its reader, so inflating (a pool thread) overlaps with parsing or copying (the
 * main thread).
 */
export function gunzipStream(): Transform {
  return createGunzip({ chunkSize: GUNZIP_CHUNK, readableHighWaterMark: GUNZIP_AHEAD } as ZlibOptions);
}

/**
 * `source` piped through `PROGRAM -d -c -q` (zstd, lz4: Debian packages of the same name);
 * `what` names the data in errors ("a layer").
 */
export function toolDecompress(source: Readable, program: 'zstd' | 'lz4', what: string): Readable {
  const out = new PassThrough();
  const child = spawn(program, ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('error', (err: NodeJS.ErrnoException) => {
    out.destroy(
      err.code === 'ENOENT'
        ? new UserError(`${what} is ${program}-compressed and the "${program}" program is not installed (Debian: apt-get install ${program})`)
        : err,
    );
  });
  child.stdin.on('error', () => {
    /* EPIPE when zstd exits early; its exit status says why */
  });
  source.on('error', (err) => {
    child.kill();
    out.destroy(err);
  });
  source.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new UserError(`${program} could not decompress ${what}: ${stderr.trim() || `exit status ${code}`}`));
  });
  // A consumer that stops early should not leave zstd running.
  out.on('close', () => {
    if (child.exitCode === null) child.kill();
    source.destroy();
  });
  return out;
}
