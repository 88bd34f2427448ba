// The kernel section (lk:moby/build/build.go kernelFilter): from the kernel image, the kernel
// binary becomes boot/kernel (after boot/cmdline), its modules tar is unpacked at the root, and
// an optional microcode cpio becomes boot/ucode.cpio. Everything else in the image is ignored.
// Unlike LinuxKit, kernel.tar is streamed, never held in memory, and a `ucode` the image lacks is
// an error (LinuxKit builds without it, silently: docs/compatibility/assemble.md).
import { gunzipSync } from 'node:zlib';
import type { KernelConfig } from '../config/index.js';
import { sourcePos } from '../config/index.js';
import { UserError } from '../util/index.js';
import { Readable } from 'node:stream';
import { readTar } from '../tar/index.js';
import type { ResolvedImage } from './image-source.js';
import { sourcePax } from './image-tree.js';
import { generated, type TarSink } from './tar-sink.js';

const LOCATION = 'kernel';

export interface KernelOptions {
  decompressKernel?: boolean;
}

/** Names of the parts inside the kernel image, with LinuxKit's defaults. */
export function kernelPartNames(k: KernelConfig): { binary: string; tar: string; ucode: string } {
  return {
    binary: k.binary || 'kernel',
    tar: k.tar === undefined ? 'kernel.tar' : k.tar === 'none' ? '' : k.tar,
    ucode: k.ucode ?? '',
  };
}

export async function writeKernel(sink: TarSink, k: KernelConfig, image: ResolvedImage, opts: KernelOptions = {}): Promise<void> {
  const names = kernelPartNames(k);
  const pax = sourcePax(image.ref, LOCATION);
  let bootMade = false;
  let foundKernel = false;
  let foundTar = false;
  let foundUcode = false;
  const makeBoot = async () => {
    if (!bootMade) await sink.add(generated({ path: 'boot', type: 'directory', pax }));
    bootMade = true;
  };
  for await (const { body, ...entry } of image.entries()) {
    const isFile = entry.type === 'file';
    if (isFile && entry.path === names.binary) {
      if (foundKernel) throw new UserError(`kernel image ${image.ref}: more than one kernel binary "${names.binary}"`);
      foundKernel = true;
      await makeBoot();
      const cmdline = k.cmdline ?? '';
      await sink.add(generated({ path: 'boot/cmdline', type: 'file', size: Buffer.byteLength(cmdline), pax }), cmdline);
      const kernel = generated({ path: 'boot/kernel', type: 'file', mode: entry.mode, size: entry.size, pax });
      if (opts.decompressKernel) {
        const plain = decompressKernel(await readAll(body), image.ref);
        await sink.add({ ...kernel, size: plain.length }, plain);
      } else {
        await sink.add(kernel, body);
      }
    } else if (isFile && names.tar && entry.path === names.tar) {
      foundTar = true;
      for await (const { body: inner, ...modEntry } of readTar(body, `${image.ref} ${names.tar}`)) {
        await sink.add({ ...modEntry, pax }, modEntry.type === 'file' ? inner : undefined);
      }
    } else if (isFile && names.ucode && entry.path === names.ucode) {
      foundUcode = true;
      await makeBoot();
      await sink.add(generated({ path: 'boot/ucode.cpio', type: 'file', mode: entry.mode, size: entry.size, pax }), body);
    }
    // Other entries' bodies are left alone: the reader skips them.
  }
  if (!foundKernel) throw new UserError(`kernel image ${image.ref} has no kernel file "${names.binary}"`);
  if (names.tar && !foundTar) {
    throw new UserError(`kernel image ${image.ref} has no modules tar "${names.tar}" (set kernel.tar: none if it has none)`);
  }
  // A machine that boots without the microcode the config asked for is a silent security gap.
  if (names.ucode && !foundUcode) {
    throw new UserError(`kernel.ucode: kernel image ${image.ref} has no file "${names.ucode}"`, sourcePos(k, 'ucode'));
  }
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/**
 * --decompress-kernel: a gzip kernel (arm64 Image.gz) or an x86 bzImage whose payload is gzip
 * becomes the plain kernel (lk:moby/build/build.go decompressKernel). Other payloads: error.
 */
export function decompressKernel(k: Buffer, ref: string): Buffer {
  const isGzip = (b: Buffer, at: number) => b[at] === 0x1f && b[at + 1] === 0x8b;
  if (isGzip(k, 0)) return gunzipSync(k);
  const looksBzImage = k.length > 0x250 && k.readUInt16LE(0x1fe) === 0xaa55 && k.toString('latin1', 0x202, 0x206) === 'HdrS';
  if (!looksBzImage) throw new UserError(`--decompress-kernel: kernel of ${ref} is neither gzip nor a bzImage`);
  const setupSectors = k[0x1f1]!;
  const payloadOff = k.readUInt32LE(0x248) + (setupSectors + 1) * 512;
  const payloadLen = k.readUInt32LE(0x24c);
  if (k.length < payloadOff + payloadLen) throw new UserError(`--decompress-kernel: bzImage payload of ${ref} exceeds the image`);
  if (!isGzip(k, payloadOff)) {
    throw new UserError(`--decompress-kernel: bzImage payload of ${ref} is not gzip (only gzip is supported, as in LinuxKit)`);
  }
  return gunzipSync(k.subarray(payloadOff, payloadOff + payloadLen));
}
