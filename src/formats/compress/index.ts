// Compression registry: name → how to make a compressor writing into a file.
import { availableParallelism } from 'node:os';
import type { Compression } from '../types.js';
import { FileSink } from './file-sink.js';
import { ExternalCompressor } from './external.js';
import { ParallelGzip } from './parallel-gzip.js';
import { Uncompressed } from './none.js';
import type { Compressor } from './types.js';
import { UserError } from '../../util/index.js';
import { IGZIP_PACKAGE, igzip } from '../../util/index.js';

export type { Compressor } from './types.js';

export interface CompressorOptions {
  level?: number;
  threads?: number;
}

interface Codec {
  /** Level used when none is given (chosen by measurement, see docs/formats.md). */
  defaultLevel: number;
  levels: [number, number];
  /** `asked`: the level asked for, undefined for the default (`level` is then defaultLevel). */
  make(out: FileSink, level: number, threads: number, asked: number | undefined): Compressor;
}

/**
 * igzip's level for the default gzip: its -2 is both faster and smaller than its -1 on initrds
 * (the benchmark's 219 MB cpio: 0.57 against 0.66 CPU s, 74.5 against 75.4 MB; zlib -1: 73.2 MB).
 */
const IGZIP_LEVEL = 2;

/** igzip, when LINUXKIT_IGZIP=on and it is installed, for the default level; a level asked for is zlib's (igzip has 0–3). */
function gzipTool(level: number | undefined) {
  return level === undefined ? igzip() : undefined;
}

const codecs: Record<Compression, Codec> = {
  gzip: {
    // The default: zlib at level 1 (2.2× zlib's default speed for ~10 % more bytes; see
    // docs/formats.md), or igzip with LINUXKIT_IGZIP=on (~5× zlib's speed, not reproducible:
    // src/util/igzip.ts). A level asked for is zlib's. The kernel inflates every level equally
    // fast. igzip -n: no name and mtime 0 in the header; -T is ignored by builds without threads
    // (Debian's).
    defaultLevel: 1,
    levels: [1, 9],
    make: (out, level, threads, asked) => {
      const tool = gzipTool(asked);
      return tool
        ? new ExternalCompressor(out, tool.path, ['-q', '-c', '-n', `-${IGZIP_LEVEL}`, `-T${threads}`], IGZIP_PACKAGE)
        : new ParallelGzip(out, { level, parallel: threads + 1 });
    },
  },
  zstd: {
    defaultLevel: 3,
    levels: [1, 19],
    // -T: threads. --long=24: a 16 MiB window, so the copies of busybox and libc that each
    // image brings cost next to nothing (minimal.yml + getty + dhcpcd: 6.9 → 5.2 MB, no slower
    // to make); the kernel's unzstd allocates the frame's window (16 MiB) while it unpacks.
    make: (out, level, threads) => new ExternalCompressor(out, 'zstd', ['-q', '-c', `-${level}`, '--long=24', `-T${threads}`], 'zstd'),
  },
  lz4: {
    // Level 1: ~20× faster to build than -9 (HC) for 25 % more bytes; boots fastest of all, on
    // kernels with CONFIG_RD_LZ4 (Debian's; not LinuxKit's).
    defaultLevel: 1,
    levels: [1, 12],
    // -l: the legacy frame format, the only lz4 format the kernel's initramfs unpacker reads.
    make: (out, level) => new ExternalCompressor(out, 'lz4', ['-q', '-c', '-l', `-${level}`], 'lz4'),
  },
  none: {
    defaultLevel: 0,
    levels: [0, 0],
    make: (out) => new Uncompressed(out),
  },
};

export function isCompression(name: string): name is Compression {
  return Object.hasOwn(codecs, name);
}

/** Opens `path` and returns a compressor writing into it. */
export async function createCompressor(compression: Compression, path: string, opts: CompressorOptions = {}): Promise<Compressor> {
  const codec = codecs[compression];
  if (!codec) throw new UserError(`unknown compression "${compression}" (one of ${Object.keys(codecs).join(', ')})`);
  const level = opts.level ?? codec.defaultLevel;
  if (compression !== 'none' && (level < codec.levels[0] || level > codec.levels[1])) {
    throw new UserError(`${compression} level must be between ${codec.levels[0]} and ${codec.levels[1]}, not ${level}`);
  }
  const threads = Math.max(1, opts.threads ?? availableParallelism());
  return codec.make(await FileSink.create(path), level, threads, opts.level);
}

/**
 * What makes a codec's bytes at a level, for caches of compressed output: the program and its
 * version where the bytes could differ between versions (zlib is built into node).
 */
export function compressorIdentity(compression: Compression, level: number | undefined): string {
  if (compression === 'gzip') {
    const tool = gzipTool(level);
    return tool ? `gzip-igzip${tool.version}-${IGZIP_LEVEL}` : `gzip-${level ?? codecs.gzip.defaultLevel}-zlib${process.versions.zlib}`;
  }
  return `${compression}-${level ?? 'default'}`;
}
