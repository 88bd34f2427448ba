// The 512-byte tar header (ustar, with PAX records for what does not fit), encoded and decoded
// exactly as tar-stream 3 (the library this codec replaced) did, so that no output byte changed
// when it went: builds are byte-reproducible and compared against recorded outputs. codec.test.ts
// keeps checking the bytes against tar-stream.
import { utf8Name } from '../util/index.js';
import { encodePax } from './pax.js';

/**
 * A tar header as written and read: the one header type. Written, only the name is needed (the
 * rest has defaults, see withDefaults); read, every field is set (ReadHeader).
 */
export interface TarHeader {
  name: string;
  /** 'file', 'directory', 'symlink', 'link', 'character-device', …; 'file' when left out. */
  type?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: Date;
  linkname?: string | null;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  /** PAX records (xattr values as binary strings, see pax.ts); their presence forces a PAX header. */
  pax?: Record<string, string> | null;
}

/** A decoded header: every field set (PAX records and GNU long names applied by the reader). */
export type ReadHeader = Required<TarHeader>;

/** A header with the writer's defaults applied: what is encoded. */
type FullHeader = TarHeader & { type: string; mode: number; uid: number; gid: number; size: number; mtime: Date };

const TYPE_NAMES: Record<number, string> = {
  0: 'file',
  1: 'link',
  2: 'symlink',
  3: 'character-device',
  4: 'block-device',
  5: 'directory',
  6: 'fifo',
  7: 'contiguous-file',
  72: 'pax-header',
  55: 'pax-global-header',
  27: 'gnu-long-link-path',
  28: 'gnu-long-path',
  30: 'gnu-long-path',
};
const TYPE_FLAGS: Record<string, number> = {
  file: 0,
  link: 1,
  symlink: 2,
  'character-device': 3,
  'block-device': 4,
  directory: 5,
  fifo: 6,
  'contiguous-file': 7,
  'pax-header': 72,
};

const USTAR = Buffer.from('ustar\x0000', 'latin1');
const GNU = Buffer.from('ustar  \x00', 'latin1');

function cksum(b: Buffer): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += b[i]!;
  for (let i = 156; i < 512; i++) sum += b[i]!;
  return sum;
}

function decodeStr(b: Buffer, off: number, len: number, name?: string): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  // Names are checked: U+FFFD for bad bytes would make two names one (src/util/utf8.ts).
  return name ? utf8Name(b.subarray(off, end), name) : b.toString('utf8', off, end);
}

function decodeOct(b: Buffer, off: number, len: number): number {
  const end0 = off + len;
  if (b[off]! & 0x80) {
    // base-256 (GNU): 0x80 positive, 0xff negative
    const positive = b[off] === 0x80;
    if (!positive && b[off] !== 0xff) return NaN;
    let sum = 0;
    for (let i = end0 - 1, mul = 1; i > off; i--, mul *= 256) sum += (positive ? b[i]! : 0xff - b[i]!) * mul;
    return positive ? sum : -sum;
  }
  let i = off;
  while (i < end0 && b[i] === 32) i++;
  let end = i;
  while (end < end0 && b[end] !== 32) end++;
  while (i < end && b[i] === 0) i++;
  if (end === i) return 0;
  // parseInt(text, 8) without making the text: digits up to the first non-octal byte, NaN if none.
  let v = 0;
  let digits = 0;
  for (; i < end; i++, digits++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 7) break;
    v = v * 8 + d;
  }
  return digits === 0 ? NaN : v;
}

/** Decodes one header block; null for an all-zero block (tar-stream skips those). Throws on a bad checksum. */
export function decodeHeader(b: Buffer): ReadHeader | null {
  const c = cksum(b);
  if (c === 8 * 32) return null;
  if (c !== decodeOct(b, 148, 8)) throw new Error('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
  let flag = b[156] === 0 ? 0 : b[156]! - 48;
  let name = decodeStr(b, 0, 100, 'entry name');
  if (b.compare(USTAR, 0, 8, 257, 265) === 0) {
    if (b[345]) name = decodeStr(b, 345, 155, 'entry name prefix') + '/' + name;
  } else if (b.compare(GNU, 0, 8, 257, 265) !== 0) {
    throw new Error('Invalid tar header: unknown format.');
  }
  if (flag === 0 && name && name[name.length - 1] === '/') flag = 5;
  return {
    name,
    mode: decodeOct(b, 100, 8),
    uid: decodeOct(b, 108, 8),
    gid: decodeOct(b, 116, 8),
    size: decodeOct(b, 124, 12),
    mtime: new Date(1000 * decodeOct(b, 136, 12)),
    // Unknown type flags read as null (tar-stream's value); readers skip such entries.
    type: TYPE_NAMES[flag] ?? (null as unknown as string),
    linkname: b[157] === 0 ? null : decodeStr(b, 157, 100, `link target of ${name}`),
    uname: decodeStr(b, 265, 32),
    gname: decodeStr(b, 297, 32),
    devmajor: decodeOct(b, 329, 8),
    devminor: decodeOct(b, 337, 8),
    pax: null,
  };
}

const ZEROS = '0000000000000000000';
const SEVENS = '7777777777777777777';

function encodeOct(val: number, n: number): string {
  const s = val.toString(8);
  if (s.length > n) return SEVENS.slice(0, n) + ' ';
  return ZEROS.slice(0, n - s.length) + s + ' ';
}

/** One ustar block, or null when the name or link target does not fit (then PAX is used). */
function encodeBlock(h: FullHeader, into: Buffer, at: number, magic = USTAR): boolean {
  let name = h.name;
  let prefix = '';
  if (Buffer.byteLength(name) !== name.length) return false; // not ASCII
  while (name.length > 100) {
    const i = name.indexOf('/');
    if (i === -1) return false;
    prefix += prefix ? '/' + name.slice(0, i) : name.slice(0, i);
    name = name.slice(i + 1);
  }
  if (name.length > 100 || Buffer.byteLength(prefix) > 155) return false;
  if (h.linkname && Buffer.byteLength(h.linkname) > 100) return false;
  const b = into.subarray(at, at + 512);
  b.fill(0);
  b.write(name, 0);
  b.write(encodeOct(h.mode & 0o7777, 6), 100);
  b.write(encodeOct(h.uid, 6), 108);
  b.write(encodeOct(h.gid, 6), 116);
  const size = h.size.toString(8);
  if (size.length > 11) {
    let num = h.size;
    b[124] = 0x80;
    for (let i = 11; i > 0; i--) {
      b[124 + i] = num & 0xff;
      num = Math.floor(num / 0x100);
    }
  } else {
    b.write(encodeOct(h.size, 11), 124);
  }
  b.write(encodeOct((h.mtime.getTime() / 1000) | 0, 11), 136);
  b[156] = 48 + (TYPE_FLAGS[h.type] ?? 0);
  if (h.linkname) b.write(h.linkname, 157);
  magic.copy(b, 257);
  if (h.uname) b.write(h.uname, 265);
  if (h.gname) b.write(h.gname, 297);
  b.write(encodeOct(h.devmajor || 0, 6), 329);
  b.write(encodeOct(h.devminor || 0, 6), 337);
  if (prefix) b.write(prefix, 345);
  b.write(encodeOct(cksum(b), 6), 148);
  return true;
}

/**
 * The defaults a header gets when written (tar-stream pack's): a file, mode 0644 (0755 for a
 * directory) when 0 or unset, root-owned, no size for anything but files and links, the current
 * time when no mtime is given (every caller here gives one).
 */
function withDefaults(h: TarHeader): FullHeader {
  const type = h.type ?? 'file';
  return {
    ...h,
    type,
    mode: h.mode || (type === 'directory' ? 0o755 : 0o644),
    uid: h.uid || 0,
    gid: h.gid || 0,
    size: !h.size || type === 'symlink' ? 0 : h.size,
    mtime: h.mtime ?? new Date(),
  };
}

/**
 * The header as the reader gives it back once written: the writer's defaults, permission bits
 * only, whole seconds, empty strings and zeros for what was left out. (Link names read back as
 * null when empty; consumers that are handed entries without a tar treat '' and null alike.)
 */
export function readBack(header: TarHeader): ReadHeader {
  const h = withDefaults(header);
  return {
    name: h.name,
    type: h.type,
    mode: h.mode & 0o7777,
    uid: h.uid,
    gid: h.gid,
    size: h.size,
    mtime: new Date(((h.mtime.getTime() / 1000) | 0) * 1000),
    linkname: h.linkname ?? '',
    uname: h.uname ?? '',
    gname: h.gname ?? '',
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
    pax: h.pax ?? null,
  };
}

/** The size of the data that follows a header once written (0 for symlinks and when unset). */
export function dataSize(h: TarHeader): number {
  return withDefaults(h).size;
}

/** A number field of GNU tar: octal with a NUL, or base-256 when it does not fit. */
function gnuNumber(b: Buffer, at: number, len: number, value: number): void {
  const oct = value.toString(8);
  if (oct.length < len) {
    b.write(oct.padStart(len - 1, '0') + '\0', at, 'latin1');
    return;
  }
  b[at] = 0x80;
  for (let i = len - 1, v = value; i > 0; i--, v = Math.floor(v / 256)) b[at + i] = v % 256;
}

/** A region of a sparse file that holds data: [offset, length]. */
export type SparseRegion = readonly [number, number];

/**
 * The headers of one file in GNU tar's old format (`tar --format=oldgnu`: the magic "ustar  "),
 * which Google Compute Engine requires of an imported disk's tarball. With `sparse` (GNU's old
 * sparse member, `tar -S`: typeflag S, four regions in the header, 21 in each extension block)
 * only the regions' data follows, `header.size` being the file's real size. Only names of up to
 * 100 bytes (no PAX, no prefix in this format).
 */
export function encodeOldGnuHeaders(header: TarHeader, sparse?: readonly SparseRegion[]): Buffer {
  const h = withDefaults(header);
  if (Buffer.byteLength(h.name) > 100) throw new Error(`tar name ${h.name} is too long for an oldgnu header`);
  const stored = sparse ? sparse.reduce((n, [, len]) => n + len, 0) : h.size;
  const first = Buffer.alloc(512);
  if (!encodeBlock({ ...h, size: stored }, first, 0, GNU)) throw new Error(`tar name ${h.name} does not fit an oldgnu header`);
  if (!sparse) return first;
  first.fill(0, 329, 345); // no device numbers
  first[156] = 'S'.charCodeAt(0);
  const blocks = [first];
  const put = (b: Buffer, at: number, [offset, length]: SparseRegion) => {
    gnuNumber(b, at, 12, offset);
    gnuNumber(b, at + 12, 12, length);
  };
  sparse.slice(0, 4).forEach((r, i) => put(first, 386 + 24 * i, r));
  gnuNumber(first, 483, 12, h.size);
  for (let i = 4; i < sparse.length; i += 21) {
    const ext = Buffer.alloc(512);
    sparse.slice(i, i + 21).forEach((r, j) => put(ext, 24 * j, r));
    blocks[blocks.length - 1]![blocks.length === 1 ? 482 : 504] = 1; // "an extension block follows"
    blocks.push(ext);
  }
  first.write(encodeOct(cksum(first), 6), 148);
  return Buffer.concat(blocks);
}

/**
 * The bytes before an entry's data: one ustar header, or (with PAX records, or a name that does
 * not fit) a PAX header, its padded records and the entry's header, laid out as tar-stream's
 * pack did (both headers named "PaxHeader").
 */
export function encodeHeaders(header: TarHeader): Buffer {
  const h = withDefaults(header);
  if (!h.pax) {
    const out = Buffer.allocUnsafe(512);
    if (encodeBlock(h, out, 0)) return out;
  }
  const records = encodePax({ name: h.name, linkname: h.linkname ?? undefined, pax: h.pax ?? undefined });
  const padded = (records.length + 511) & ~511;
  const out = Buffer.allocUnsafe(1024 + padded);
  const ph: FullHeader = {
    name: 'PaxHeader',
    mode: h.mode,
    uid: h.uid,
    gid: h.gid,
    size: records.length,
    mtime: h.mtime,
    type: 'pax-header',
    linkname: h.linkname ? 'PaxHeader' : '',
    uname: h.uname,
    gname: h.gname,
    devmajor: h.devmajor,
    devminor: h.devminor,
  };
  encodeBlock(ph, out, 0);
  out.set(records, 512);
  out.fill(0, 512 + records.length, 512 + padded);
  encodeBlock({ ...ph, size: h.size, type: h.type }, out, 512 + padded);
  return out;
}
