// The common step of kernel+initrd and tar-kernel-initrd (LinuxKit's tarToInitrd): one pass
// over the tar stream that saves boot/kernel, boot/cmdline and boot/ucode.cpio and writes every
// other entry into a compressed newc cpio: the initrd.
import type { Readable } from 'node:stream';
import { CpioWriter } from './cpio.js';
import { PatchWindow } from './chunker.js';
import { createCompressor, type Compressor } from './compress/index.js';
import { bootPart, saveBody } from './boot.js';
import { readAll, readRecords, type TarRecord } from '../tar/index.js';
import { SegmentedInitrd } from './segments.js';
import { TarToCpio } from './tar-to-cpio.js';
import type { Compression, FormatOptions } from './types.js';
import { clampEpoch } from './defaults.js';

/** Size of the pieces handed to the compressor (one deflate job each for gzip). */
export const CHUNK_SIZE = 1024 * 1024;
/** How far back a hard link's target header can still be raised (see tar-to-cpio.ts). */
// 8 MiB: links in images are nearly always next to their target (same package, same directory);
// a larger window costs resident memory (16 MiB measured ~30 MiB more peak RSS).
export const LINK_WINDOW = 8 * 1024 * 1024;

export interface InitrdPaths {
  /** Where the compressed cpio goes. */
  initrd: string;
  /** Where boot/kernel goes, if present. */
  kernel: string;
  /** Where boot/ucode.cpio goes, if present. */
  ucode: string;
}

export interface InitrdOptions {
  compress: Compression;
  level?: number;
  threads?: number;
  clampMtime?: number;
  /**
   * gzip and zstd: the initrd as one compressed member per part of the image (segments.ts), with
   * members of unchanged parts taken from this cache directory; `false`: members, no cache. Absent:
   * one compressed stream.
   */
  memberCache?: string | false;
  /** Bound of the member cache in bytes (segments.ts DEFAULT_CACHE_MAX if absent). */
  memberCacheMax?: number;
}

/** The PAX records the build puts on every entry to say where it came from (lk:moby/const.go). */
const PAX_SOURCE = 'LINUXKIT.source';
const PAX_LOCATION = 'LINUXKIT.location';

function origin(pax: unknown): string {
  const p = (pax ?? {}) as Record<string, string | undefined>;
  const source = p[PAX_SOURCE];
  return source ? `${source}\0${p[PAX_LOCATION] ?? ''}` : '';
}

export interface InitrdResult {
  hasKernel: boolean;
  hasUcode: boolean;
  /** undefined when the image has no boot/cmdline. */
  cmdline?: string;
}

/** The initrd settings of a format's options (kernel+initrd and tar-kernel-initrd share them). */
export function initrdOptions(options: FormatOptions): InitrdOptions {
  return {
    compress: options.compress ?? 'gzip',
    level: options.level,
    threads: options.threads,
    memberCache: options.memberCache,
    memberCacheMax: options.memberCacheMax,
    clampMtime: clampEpoch(options.sourceDateEpoch),
  };
}

export function tarToInitrd(input: Readable, paths: InitrdPaths, opts: InitrdOptions): Promise<InitrdResult> {
  return entriesToInitrd(readRecords(input), paths, opts);
}

/** tarToInitrd on entries already parsed (or never made into a tar: OutputFormat.writeEntries). */
export async function entriesToInitrd(entries: AsyncIterable<TarRecord>, paths: InitrdPaths, opts: InitrdOptions): Promise<InitrdResult> {
  if (opts.memberCache !== undefined && (opts.compress === 'gzip' || opts.compress === 'zstd')) {
    return tarToSegmentedInitrd(entries, paths, opts);
  }
  const result: InitrdResult = { hasKernel: false, hasUcode: false };
  let compressor: Compressor | undefined;
  try {
    compressor = await createCompressor(opts.compress, paths.initrd, { level: opts.level, threads: opts.threads });
    const window = new PatchWindow(compressor, CHUNK_SIZE, LINK_WINDOW);
    const cpio = new CpioWriter(window);
    const convert = new TarToCpio(cpio, opts.clampMtime);
    for await (const entry of entries) {
      if (!(await takeBootFile(entry, paths, result))) await convert.add(entry);
    }
    convert.finish();
    await cpio.end();
    await window.end();
    await compressor.end();
    return result;
  } catch (err) {
    compressor?.destroy();
    throw err;
  }
}

/** Saves boot/kernel, boot/cmdline, boot/ucode.cpio, skips the rest of boot/; false for rootfs entries. */
async function takeBootFile(entry: TarRecord, paths: InitrdPaths, result: InitrdResult): Promise<boolean> {
  switch (bootPart(entry.name)) {
    case 'kernel':
      await saveBody(entry.body, paths.kernel);
      result.hasKernel = true;
      return true;
    case 'cmdline':
      result.cmdline = (await readAll(entry.body)).toString('utf8');
      return true;
    case 'ucode':
      await saveBody(entry.body, paths.ucode);
      result.hasUcode = true;
      return true;
    case 'other':
      await entry.skip();
      return true;
    default:
      return false;
  }
}

async function tarToSegmentedInitrd(entries: AsyncIterable<TarRecord>, paths: InitrdPaths, opts: InitrdOptions): Promise<InitrdResult> {
  const result: InitrdResult = { hasKernel: false, hasUcode: false };
  const segments = new SegmentedInitrd(paths.initrd, {
    compress: opts.compress,
    level: opts.level,
    threads: opts.threads,
    chunkSize: CHUNK_SIZE,
    linkWindow: LINK_WINDOW,
    ...(opts.memberCache ? { cacheDir: opts.memberCache } : {}),
    ...(opts.memberCacheMax !== undefined ? { cacheMax: opts.memberCacheMax } : {}),
  });
  try {
    let convert: TarToCpio | undefined;
    for await (const entry of entries) {
      if (await takeBootFile(entry, paths, result)) continue;
      const { cpio, changed } = await segments.writerFor(origin(entry.header.pax));
      if (!convert) convert = new TarToCpio(cpio, opts.clampMtime);
      else if (changed) convert.setWriter(cpio);
      await convert.add(entry);
    }
    convert?.finish();
    await segments.end();
    return result;
  } catch (err) {
    await segments.abort();
    throw err;
  }
}
