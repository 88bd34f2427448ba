// The common step of kernel+initrd and tar-kernel-initrd (LinuxKit's tarToInitrd): one pass
// over the tar stream that saves boot/kernel, boot/cmdline and boot/ucode.cpio and writes every
// other entry into a compressed newc cpio: the initrd.
import type { Readable } from 'node:stream';
import { CpioWriter } from './cpio.js';
import { PatchWindow } from './chunker.js';
import { createCompressor, type Compressor } from './compress/index.js';
import { bootPart, saveBody } from './boot.js';
import { readAll, readTar } from './tar-input.js';
import { TarToCpio } from './tar-to-cpio.js';
import type { Compression } from './types.js';

/** Size of the pieces handed to the compressor (one deflate job each for gzip). */
export const CHUNK_SIZE = 1024 * 1024;
/** How far back a hard link's target header can still be raised (see tar-to-cpio.ts). */
export const LINK_WINDOW = 16 * 1024 * 1024;

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
}

export interface InitrdResult {
  hasKernel: boolean;
  hasUcode: boolean;
  /** undefined when the image has no boot/cmdline. */
  cmdline?: string;
}

export async function tarToInitrd(input: Readable, paths: InitrdPaths, opts: InitrdOptions): Promise<InitrdResult> {
  const result: InitrdResult = { hasKernel: false, hasUcode: false };
  let compressor: Compressor | undefined;
  try {
    compressor = await createCompressor(opts.compress, paths.initrd, { level: opts.level, threads: opts.threads });
    const window = new PatchWindow(compressor, CHUNK_SIZE, LINK_WINDOW);
    const cpio = new CpioWriter(window);
    const convert = new TarToCpio(cpio, opts.clampMtime);
    for await (const entry of readTar(input)) {
      switch (bootPart(entry.name)) {
        case 'kernel':
          await saveBody(entry.body, paths.kernel);
          result.hasKernel = true;
          break;
        case 'cmdline':
          result.cmdline = (await readAll(entry.body)).toString('utf8');
          break;
        case 'ucode':
          await saveBody(entry.body, paths.ucode);
          result.hasUcode = true;
          break;
        case 'other':
          await entry.skip();
          break;
        default:
          await convert.add(entry);
      }
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
