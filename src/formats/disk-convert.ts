// A raw disk converted by qemu-img into the image formats of VM platforms (qcow2, VHD, VMDK),
// with the options LinuxKit's mkimage tools use, then made reproducible: qemu-img writes qcow2
// the same for the same input, but stamps a VHD's footer with the time and a random UUID, and a
// VMDK's descriptor with a random CID and the name of the file it wrote. Those are set here from
// the content (the image's digest) and the epoch, so every output is byte-reproducible.
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool, TOOLS } from './host-tools.js';

export type DiskImageKind = 'qcow2' | 'vhd-fixed' | 'vhd-dynamic' | 'vmdk';

/** qemu-img's output options for each kind (lk:tools/mkimage-vhd, -dynamic-vhd, -vmdk). */
const CONVERT_OPTIONS: Record<DiskImageKind, string[]> = {
  qcow2: ['-O', 'qcow2'],
  // force_size: the virtual size is the raw disk's, not rounded down to a CHS geometry (which
  // would cut the end of the partition off; Azure also wants whole MiB).
  'vhd-fixed': ['-O', 'vpc', '-o', 'subformat=fixed,force_size=on'],
  'vhd-dynamic': ['-O', 'vpc', '-o', 'subformat=dynamic,force_size=on'],
  vmdk: ['-O', 'vmdk', '-o', 'adapter_type=lsilogic,subformat=streamOptimized,compat6=on'],
};

/** The name qemu-img writes into a VMDK's descriptor, as LinuxKit's tool names it. */
const VMDK_NAME = 'disk.vmdk';

/**
 * Converts `raw` into `out` (which must be on the same file system as `stage`, a directory of
 * ours). `digest` (32 bytes) gives the ids, `epoch` the VHD time.
 */
export async function convertDisk(raw: string, out: string, kind: DiskImageKind, stage: string, digest: Buffer, epoch: number): Promise<void> {
  const made = join(stage, kind === 'vmdk' ? VMDK_NAME : `disk.${kind}`);
  await runTool(TOOLS.qemuImg, ['convert', '-q', '-f', 'raw', ...CONVERT_OPTIONS[kind], raw, made]);
  if (kind === 'vhd-fixed' || kind === 'vhd-dynamic') await fixVhd(made, digest, epoch);
  if (kind === 'vmdk') await fixVmdk(made, digest);
  await rename(made, out);
}

/** VHD times count seconds from 2000-01-01T00:00:00Z. */
const VHD_TIME_ZERO = Date.UTC(2000, 0, 1) / 1000;
const VHD_COOKIE = 'conectix';

/** A VHD footer's time (24), checksum (64) and unique id (68), from the epoch and the content. */
function fixVhdFooter(footer: Buffer, digest: Buffer, epoch: number): void {
  footer.writeUInt32BE(Math.max(0, epoch - VHD_TIME_ZERO) >>> 0, 24);
  const id = Buffer.from(digest.subarray(16, 32));
  id[6] = (id[6]! & 0x0f) | 0x40; // an RFC 4122 layout, as a random one would have
  id[8] = (id[8]! & 0x3f) | 0x80;
  id.copy(footer, 68);
  footer.writeUInt32BE(0, 64);
  let sum = 0;
  for (const b of footer) sum += b;
  footer.writeUInt32BE(~sum >>> 0, 64);
}

/** The footer at the end, and its copy at the start of a dynamic VHD. */
async function fixVhd(path: string, digest: Buffer, epoch: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    for (const at of [0, size - 512]) {
      const footer = Buffer.alloc(512);
      await fh.read(footer, 0, 512, at);
      if (footer.toString('latin1', 0, 8) !== VHD_COOKIE) continue; // a fixed VHD starts with data
      fixVhdFooter(footer, digest, epoch);
      await fh.write(footer, 0, 512, at);
    }
  } finally {
    await fh.close();
  }
}

/** A VMDK descriptor's CID (content id, random in qemu-img) from the content. */
async function fixVmdk(path: string, digest: Buffer): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const header = Buffer.alloc(512);
    await fh.read(header, 0, 512, 0);
    if (header.toString('latin1', 0, 4) !== 'KDMV') throw new Error(`${path}: not a VMDK sparse extent`);
    const at = Number(header.readBigUInt64LE(28)) * 512;
    const desc = Buffer.alloc(Number(header.readBigUInt64LE(36)) * 512);
    await fh.read(desc, 0, desc.length, at);
    const text = desc.toString('latin1').replace(/\0.*$/s, '');
    // qemu-img prints the CID in hex without leading zeros.
    const cid = /\nCID=[0-9a-f]{1,8}\n/;
    if (!cid.test(text)) throw new Error(`${path}: no CID in the VMDK descriptor`);
    const fixed = text.replace(cid, `\nCID=${digest.toString('hex', 8, 12)}\n`);
    if (fixed.length > desc.length) throw new Error(`${path}: the VMDK descriptor is full`);
    desc.fill(0);
    desc.write(fixed, 0, 'latin1');
    await fh.write(desc, 0, desc.length, at);
  } finally {
    await fh.close();
  }
}
