// PAX extended header records (`<length> <key>=<value>\n`). Extended attributes travel in them as
// `SCHILY.xattr.<name>=<raw bytes>`: those values are binary (security.capability), so they are
// kept as "binary strings" (one char per byte, latin1) rather than decoded as UTF-8, which would
// mangle them; path and linkpath must be valid UTF-8 (src/util/utf8.ts).
import { utf8Name } from '../util/index.js';

const XATTR_PREFIX = 'SCHILY.xattr.';

type PaxRecords = Record<string, string>;

export function decodePax(buf: Uint8Array): PaxRecords {
  const result: PaxRecords = {};
  let b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  while (b.length) {
    const sp = b.indexOf(0x20);
    if (sp <= 0) break;
    const len = parseInt(b.subarray(0, sp).toString('ascii'), 10);
    if (!len || len > b.length) break;
    const record = b.subarray(sp + 1, len - 1); // without the trailing newline
    const eq = record.indexOf(0x3d);
    if (eq === -1) break;
    const key = record.subarray(0, eq).toString('utf8');
    const value = record.subarray(eq + 1);
    if (key.startsWith(XATTR_PREFIX)) result[key] = value.toString('latin1');
    // PAX says path and linkpath are UTF-8; anything else would become U+FFFD (src/util/utf8.ts).
    else if (key === 'path' || key === 'linkpath') result[key] = utf8Name(value, `PAX ${key}`);
    else result[key] = value.toString('utf8');
    b = b.subarray(len);
  }
  return result;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  let digits = String(body.length).length;
  if (body.length + digits >= 10 ** digits) digits++;
  return Buffer.concat([Buffer.from(String(body.length + digits), 'ascii'), body]);
}

export function encodePax(opts: { name?: string; linkname?: string; pax?: PaxRecords }): Uint8Array {
  const parts: Buffer[] = [];
  if (opts.name) parts.push(paxRecord('path', Buffer.from(opts.name, 'utf8')));
  if (opts.linkname) parts.push(paxRecord('linkpath', Buffer.from(opts.linkname, 'utf8')));
  for (const [key, value] of Object.entries(opts.pax ?? {})) {
    if (key === 'path' || key === 'linkpath') continue;
    parts.push(paxRecord(key, Buffer.from(value, key.startsWith(XATTR_PREFIX) ? 'latin1' : 'utf8')));
  }
  return Buffer.concat(parts);
}

/** xattrs out of a decoded PAX record set. */
export function xattrsFromPax(pax: PaxRecords | null | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(pax ?? {})) {
    if (key.startsWith(XATTR_PREFIX)) out[key.slice(XATTR_PREFIX.length)] = Buffer.from(value, 'latin1');
  }
  return out;
}

/** PAX records for xattrs, for a header's `pax`. */
export function xattrsToPax(xattrs: Record<string, Buffer>): PaxRecords {
  const out: PaxRecords = {};
  for (const [name, value] of Object.entries(xattrs)) out[XATTR_PREFIX + name] = value.toString('latin1');
  return out;
}
