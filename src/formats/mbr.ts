// An MBR partition table written in TypeScript (what LinuxKit has sfdisk do): boot code, the
// disk identifier, partition entries with LBA and the CHS values sfdisk gives (255 heads, 63
// sectors; 1023/254/63 past the CHS limit), and the 0x55AA signature.
export const SECTOR = 512;

export interface MbrPartition {
  /** First sector and size in sectors. */
  start: number;
  sectors: number;
  type: number;
  bootable?: boolean;
}

/** CHS of an LBA as 3 bytes (head, sector | cylinder high bits, cylinder low bits). */
function chs(lba: number): number[] {
  const heads = 255;
  const spt = 63;
  const c = Math.floor(lba / (heads * spt));
  if (c > 1023) return [254, 0xff, 0xff];
  const h = Math.floor(lba / spt) % heads;
  const s = (lba % spt) + 1;
  return [h, s | ((c >> 2) & 0xc0), c & 0xff];
}

/** The first sector of a disk: `bootCode` (up to 440 bytes), the identifier, the partitions. */
export function mbr(bootCode: Buffer, diskId: number, partitions: MbrPartition[]): Buffer {
  if (bootCode.length > 440) throw new Error('MBR boot code is at most 440 bytes');
  if (partitions.length > 4) throw new Error('an MBR holds at most 4 partitions');
  const b = Buffer.alloc(SECTOR);
  bootCode.copy(b, 0);
  b.writeUInt32LE(diskId >>> 0, 440);
  partitions.forEach((p, i) => {
    const at = 446 + 16 * i;
    b[at] = p.bootable ? 0x80 : 0;
    Buffer.from(chs(p.start)).copy(b, at + 1);
    b[at + 4] = p.type;
    Buffer.from(chs(p.start + p.sectors - 1)).copy(b, at + 5);
    b.writeUInt32LE(p.start, at + 8);
    b.writeUInt32LE(p.sectors, at + 12);
  });
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}
