// A GUID partition table written in TypeScript (what LinuxKit's EFI tools have sgdisk do): the
// protective MBR, the primary header and partition array at sectors 1–33, and the backup array
// and header at the disk's end, with their CRC-32s (UEFI 2.x, chapter 5).
import { crc32 } from 'node:zlib';
import { mbr, SECTOR } from './mbr.js';

/** The EFI System Partition's type (sgdisk's ef00). */
export const ESP_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
/** Partition attribute bit 2: legacy BIOS bootable (sgdisk `--attributes 1:set:2`). */
export const LEGACY_BIOS_BOOTABLE = 1n << 2n;

const ENTRIES = 128;
const ENTRY_SIZE = 128;
const ARRAY_SECTORS = (ENTRIES * ENTRY_SIZE) / SECTOR;

export interface GptPartition {
  start: number;
  /** Last sector, inclusive. */
  end: number;
  type: string;
  /** The partition's unique GUID (16 bytes, as written). */
  guid: Buffer;
  name: string;
  attributes?: bigint;
}

/** A GUID's text form as it is stored: the first three fields little-endian. */
export function guidBytes(text: string): Buffer {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a GUID: ${text}`);
  const b = Buffer.from(hex, 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

/** 16 bytes of `digest` as a version-4-shaped GUID (stored form): ids derived from content. */
export function derivedGuid(digest: Buffer, at: number): Buffer {
  const g = Buffer.from(digest.subarray(at, at + 16));
  g[7] = (g[7]! & 0x0f) | 0x40; // version, in the little-endian third field
  g[8] = (g[8]! & 0x3f) | 0x80;
  return g;
}

function header(diskSectors: number, self: number, other: number, arrayAt: number, diskGuid: Buffer, arrayCrc: number): Buffer {
  const h = Buffer.alloc(SECTOR);
  h.write('EFI PART', 0, 'latin1');
  h.writeUInt32LE(0x00010000, 8);
  h.writeUInt32LE(92, 12);
  h.writeBigUInt64LE(BigInt(self), 24);
  h.writeBigUInt64LE(BigInt(other), 32);
  h.writeBigUInt64LE(BigInt(2 + ARRAY_SECTORS), 40);
  h.writeBigUInt64LE(BigInt(diskSectors - 2 - ARRAY_SECTORS), 48);
  diskGuid.copy(h, 56);
  h.writeBigUInt64LE(BigInt(arrayAt), 72);
  h.writeUInt32LE(ENTRIES, 80);
  h.writeUInt32LE(ENTRY_SIZE, 84);
  h.writeUInt32LE(arrayCrc, 88);
  h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
  return h;
}

/** The byte ranges of a GPT disk of `diskBytes`: [offset, data] for the head and the tail. */
export function gpt(
  diskBytes: number,
  diskGuid: Buffer,
  partitions: GptPartition[],
): { head: Array<{ at: number; data: Buffer }>; tail: Array<{ at: number; data: Buffer }> } {
  const sectors = diskBytes / SECTOR;
  const array = Buffer.alloc(ENTRIES * ENTRY_SIZE);
  partitions.forEach((p, i) => {
    const e = array.subarray(i * ENTRY_SIZE, (i + 1) * ENTRY_SIZE);
    guidBytes(p.type).copy(e, 0);
    p.guid.copy(e, 16);
    e.writeBigUInt64LE(BigInt(p.start), 32);
    e.writeBigUInt64LE(BigInt(p.end), 40);
    e.writeBigUInt64LE(p.attributes ?? 0n, 48);
    e.write(p.name.slice(0, 36), 56, 'utf16le');
  });
  const arrayCrc = crc32(array);
  const backupArrayAt = sectors - 1 - ARRAY_SECTORS;
  const protective = mbr(Buffer.alloc(0), 0, [{ start: 1, sectors: Math.min(sectors - 1, 0xffffffff), type: 0xee }]);
  return {
    head: [
      { at: 0, data: protective },
      { at: SECTOR, data: header(sectors, 1, sectors - 1, 2, diskGuid, arrayCrc) },
      { at: 2 * SECTOR, data: array },
    ],
    tail: [
      { at: backupArrayAt * SECTOR, data: array },
      { at: (sectors - 1) * SECTOR, data: header(sectors, sectors - 1, 1, backupArrayAt, diskGuid, arrayCrc) },
    ],
  };
}
