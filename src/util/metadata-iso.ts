// A minimal ISO 9660 image holding one file, /config: what `--data`/`--data-file` attach as a
// CD-ROM and what LinuxKit's metadata package reads (lk:src/cmd/linuxkit/metadata.go writes the
// same with iso9660wrap). Plain ISO 9660 level 1, no Rock Ridge/Joliet: Linux shows the file
// "CONFIG.;1" as /config. Metadata is small, so the image is built in memory.
import { writeFileSync } from 'node:fs';

const SECTOR = 2048;
const PVD_SECTOR = 16;
const L_PATH_SECTOR = 18;
const M_PATH_SECTOR = 19;
const ROOT_SECTOR = 20;
const FILE_SECTOR = 21;

function both32(buf: Buffer, off: number, v: number): void {
  buf.writeUInt32LE(v, off);
  buf.writeUInt32BE(v, off + 4);
}

function both16(buf: Buffer, off: number, v: number): void {
  buf.writeUInt16LE(v, off);
  buf.writeUInt16BE(v, off + 2);
}

function text(buf: Buffer, off: number, len: number, s: string): void {
  buf.write(s.padEnd(len, ' ').slice(0, len), off, 'ascii');
}

/** SOURCE_DATE_EPOCH when set (reproducible images), otherwise now. */
function imageDate(): Date {
  const e = process.env.SOURCE_DATE_EPOCH;
  return e && /^\d+$/.test(e) ? new Date(Number(e) * 1000) : new Date();
}

function dirRecord(id: Buffer, extent: number, size: number, isDir: boolean, d: Date): Buffer {
  const len = 33 + id.length + (id.length % 2 === 0 ? 1 : 0);
  const r = Buffer.alloc(len);
  r[0] = len;
  both32(r, 2, extent);
  both32(r, 10, size);
  r[18] = d.getUTCFullYear() - 1900;
  r[19] = d.getUTCMonth() + 1;
  r[20] = d.getUTCDate();
  r[21] = d.getUTCHours();
  r[22] = d.getUTCMinutes();
  r[23] = d.getUTCSeconds();
  r[25] = isDir ? 2 : 0;
  both16(r, 28, 1);
  r[32] = id.length;
  id.copy(r, 33);
  return r;
}

function longDate(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}00`;
}

/** The bytes of an ISO 9660 image whose only file is /config with `content`. */
export function metadataIso(content: Buffer): Buffer {
  const d = imageDate();
  const fileSectors = Math.max(1, Math.ceil(content.length / SECTOR));
  const total = FILE_SECTOR + fileSectors;
  const iso = Buffer.alloc(total * SECTOR);

  const rootRecord = (id: number) => dirRecord(Buffer.from([id]), ROOT_SECTOR, SECTOR, true, d);
  const pvd = iso.subarray(PVD_SECTOR * SECTOR, (PVD_SECTOR + 1) * SECTOR);
  pvd[0] = 1;
  pvd.write('CD001', 1, 'ascii');
  pvd[6] = 1;
  text(pvd, 8, 32, '');
  text(pvd, 40, 32, 'CONFIG');
  both32(pvd, 80, total);
  both16(pvd, 120, 1);
  both16(pvd, 124, 1);
  both16(pvd, 128, SECTOR);
  both32(pvd, 132, 10);
  pvd.writeUInt32LE(L_PATH_SECTOR, 140);
  pvd.writeUInt32BE(M_PATH_SECTOR, 148);
  rootRecord(0).copy(pvd, 156);
  for (const [off, len] of [
    [190, 128],
    [318, 128],
    [446, 128],
    [574, 128],
    [702, 37],
    [739, 37],
    [776, 37],
  ] as const)
    text(pvd, off, len, '');
  text(pvd, 574, 128, 'LINUXKIT-TS');
  for (const off of [813, 830, 864]) pvd.write(longDate(d), off, 'ascii');
  pvd.write('0'.repeat(16), 847, 'ascii');
  pvd[881] = 1;

  const term = iso.subarray((PVD_SECTOR + 1) * SECTOR);
  term[0] = 255;
  term.write('CD001', 1, 'ascii');
  term[6] = 1;

  // One path table entry each (little- and big-endian): the root directory.
  for (const [sector, le] of [
    [L_PATH_SECTOR, true],
    [M_PATH_SECTOR, false],
  ] as const) {
    const e = iso.subarray(sector * SECTOR);
    e[0] = 1;
    if (le) e.writeUInt32LE(ROOT_SECTOR, 2);
    else e.writeUInt32BE(ROOT_SECTOR, 2);
    if (le) e.writeUInt16LE(1, 6);
    else e.writeUInt16BE(1, 6);
  }

  let off = ROOT_SECTOR * SECTOR;
  for (const rec of [rootRecord(0), rootRecord(1), dirRecord(Buffer.from('CONFIG.;1', 'ascii'), FILE_SECTOR, content.length, false, d)]) {
    rec.copy(iso, off);
    off += rec.length;
  }
  content.copy(iso, FILE_SECTOR * SECTOR);
  return iso;
}

export function writeMetadataIso(path: string, content: Buffer): void {
  writeFileSync(path, metadataIso(content));
}
