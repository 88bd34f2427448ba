// Strict UTF-8: text from outside (tar names, YAML files) is refused when it is not valid UTF-8
// rather than decoded with U+FFFD in place of the bad bytes, which makes different names equal
// (two layer entries "a\xff" and "a\xfe" would become one file) and hides what a file said.
import { isUtf8 } from 'node:buffer';
import { UserError } from './errors.js';

/** Offset of the first byte that is not part of a valid UTF-8 sequence (b is known to be invalid). */
function firstInvalid(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    // isUtf8 on the one sequence rules out overlong forms and surrogates.
    if (n < 0 || (n > 0 && (i + n >= b.length || !isUtf8(b.subarray(i, i + n + 1))))) return i;
    i += n + 1;
  }
  return b.length;
}

/** Bytes for a message: printable ASCII as it is, anything else as \xNN. */
export function escapeBytes(b: Uint8Array): string {
  let out = '';
  for (const c of b) out += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return out;
}

/** `b` as text; throws (a plain Error, for the tar reader to wrap) naming `what` when it is not valid UTF-8. */
export function utf8Name(b: Buffer, what: string): string {
  if (!isUtf8(b)) {
    throw new Error(`${what} "${escapeBytes(b)}" is not valid UTF-8: such names are refused, as two of them could become one file`);
  }
  return b.toString('utf8');
}

/** A text file's contents; a UserError at file:line:col of the first byte that is not UTF-8. */
export function utf8Text(b: Buffer, file: string): string {
  if (isUtf8(b)) return b.toString('utf8');
  const at = firstInvalid(b);
  const lineStart = at === 0 ? 0 : b.lastIndexOf(0x0a, at - 1) + 1;
  const line = b.subarray(0, lineStart).reduce((n, c) => n + (c === 0x0a ? 1 : 0), 1);
  const col = b.subarray(lineStart, at).toString('utf8').length + 1;
  throw new UserError(`invalid UTF-8 (byte 0x${b[at]!.toString(16).padStart(2, '0')}): the file must be UTF-8 text`, { file, line, col });
}
