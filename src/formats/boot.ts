// Which entries of the tar stream are the boot files rather than the root filesystem, as
// LinuxKit's build lays them out (lk:src/cmd/linuxkit/moby/build/build.go, kernelFilter):
// boot/kernel, boot/cmdline and boot/ucode.cpio, and nothing else under boot/ goes to the
// root filesystem (the "boot" directory entry itself does, as in LinuxKit).
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

export type BootPart = 'kernel' | 'cmdline' | 'ucode' | 'other';

export const BOOT_KERNEL = 'boot/kernel';
export const BOOT_CMDLINE = 'boot/cmdline';
export const BOOT_UCODE = 'boot/ucode.cpio';

/** The boot file an entry is, or undefined for a root filesystem entry. */
export function bootPart(normalName: string): BootPart | undefined {
  if (normalName === BOOT_KERNEL) return 'kernel';
  if (normalName === BOOT_CMDLINE) return 'cmdline';
  if (normalName === BOOT_UCODE) return 'ucode';
  if (normalName.startsWith('boot/')) return 'other';
  return undefined;
}

/** Streams an entry's data into a new file (kernels are 10–50 MB: never held in memory). */
export async function saveBody(body: AsyncIterable<Buffer>, path: string): Promise<number> {
  let size = 0;
  await pipeline(
    (async function* () {
      for await (const b of body) {
        size += b.length;
        yield b;
      }
    })(),
    createWriteStream(path, { mode: 0o644 }),
  );
  return size;
}
