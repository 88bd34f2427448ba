// Compression registry: name → how to make a compressor writing into a file.
import { availableParallelism } from 'node:os';
import type { Compression } from '../types.js';
import { FileSink } from './file-sink.js';
import { ExternalCompressor } from './external.js';
import { ParallelGzip } from './parallel-gzip.js';
import { Uncompressed } from './none.js';
import type { Compressor } from './types.js';
import { UserError } from '../../util/errors.js';

export type { Compressor } from './types.js';

export interface CompressorOptions {
  level?: number;
  threads?: number;
}

interface Codec {
  /** Level used when none is given (chosen by measurement, see docs/formats.md). */
  defaultLevel: number;
  levels: [number, number];
  make(out: FileSink, level: number, threads: number): Compressor;
}

const codecs: Record<Compression, Codec> = {
  gzip: {
    // Level 1: 2.2× zlib's default speed for ~10 % more bytes (see docs/formats.md); the kernel
    // inflates every level equally fast.
    defaultLevel: 1,
    levels: [1, 9],
    make: (out, level, threads) => new ParallelGzip(out, { level, parallel: threads + 1 }),
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
export async function createCompressor(
  compression: Compression,
  path: string,
  opts: CompressorOptions = {},
): Promise<Compressor> {
  const codec = codecs[compression];
  if (!codec) throw new UserError(`unknown compression "${compression}" (one of ${Object.keys(codecs).join(', ')})`);
  const level = opts.level ?? codec.defaultLevel;
  if (compression !== 'none' && (level < codec.levels[0] || level > codec.levels[1])) {
    throw new UserError(`${compression} level must be between ${codec.levels[0]} and ${codec.levels[1]}, not ${level}`);
  }
  const threads = Math.max(1, opts.threads ?? availableParallelism());
  return codec.make(await FileSink.create(path), level, threads);
}
