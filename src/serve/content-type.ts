// Content-Type as Go's http.FileServer picks it: by extension (mime.TypeByExtension: Go's
// built-in table, then the system's /etc/mime.types; text types get charset=utf-8), else by
// sniffing the first 512 bytes (a subset of http.DetectContentType: the common signatures,
// then text or binary).
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ifExistsSync } from '../util/index.js';

const BUILTIN: Record<string, string> = {
  '.avif': 'image/avif',
  '.css': 'text/css; charset=utf-8',
  '.gif': 'image/gif',
  '.htm': 'text/html; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.mjs': 'text/javascript; charset=utf-8',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.webp': 'image/webp',
  '.xml': 'text/xml; charset=utf-8',
};

let systemTypes: Map<string, string> | undefined;

/** /etc/mime.types, read once: "type ext ext…" lines. */
function system(): Map<string, string> {
  if (systemTypes) return systemTypes;
  systemTypes = new Map();
  const text = ifExistsSync(() => readFileSync('/etc/mime.types', 'utf8'));
  if (text === undefined) return systemTypes;
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    const type = fields.shift();
    if (!type || fields.length === 0) continue;
    const full = type.startsWith('text/') ? `${type}; charset=utf-8` : type;
    for (const ext of fields) if (!systemTypes.has('.' + ext.toLowerCase())) systemTypes.set('.' + ext.toLowerCase(), full);
  }
  return systemTypes;
}

export function typeByExtension(file: string): string | undefined {
  const ext = extname(file).toLowerCase();
  if (!ext) return undefined;
  return BUILTIN[ext] ?? system().get(ext);
}

const SIGNATURES: Array<[Buffer, string]> = [
  [Buffer.from('%PDF-'), 'application/pdf'],
  [Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), 'image/png'],
  [Buffer.from('GIF87a'), 'image/gif'],
  [Buffer.from('GIF89a'), 'image/gif'],
  [Buffer.from([0xff, 0xd8, 0xff]), 'image/jpeg'],
  [Buffer.from([0x1f, 0x8b, 0x08]), 'application/x-gzip'],
  [Buffer.from('PK\x03\x04'), 'application/zip'],
  [Buffer.from([0xfe, 0xff]), 'text/plain; charset=utf-16be'],
  [Buffer.from([0xff, 0xfe]), 'text/plain; charset=utf-16le'],
  [Buffer.from([0xef, 0xbb, 0xbf]), 'text/plain; charset=utf-8'],
];

const HTML_TAGS = [
  '<!DOCTYPE HTML',
  '<HTML',
  '<HEAD',
  '<SCRIPT',
  '<IFRAME',
  '<H1',
  '<DIV',
  '<FONT',
  '<TABLE',
  '<A',
  '<STYLE',
  '<TITLE',
  '<B',
  '<BODY',
  '<BR',
  '<P',
  '<!--',
];

/** A subset of Go's http.DetectContentType. */
export function sniff(head: Buffer): string {
  for (const [sig, type] of SIGNATURES) if (head.subarray(0, sig.length).equals(sig)) return type;
  const text = head.toString('latin1').trimStart();
  const upper = text.slice(0, 16).toUpperCase();
  for (const tag of HTML_TAGS) {
    const after = upper[tag.length];
    if (upper.startsWith(tag) && (after === ' ' || after === '>')) return 'text/html; charset=utf-8';
  }
  if (text.startsWith('<?xml')) return 'text/xml; charset=utf-8';
  // Go's binary bytes: controls other than TAB, LF, FF, CR and ESC.
  for (const b of head) if (b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f)) return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}

export async function contentTypeOf(file: string, head: () => Promise<Buffer>): Promise<string> {
  return typeByExtension(file) ?? sniff(await head());
}
