// A reader of newc cpio archives (what the build's initrd holds, src/formats/cpio.ts), for
// `linuxkit inspect`: each entry's header fields, where it is in the stream, and its data.
// Zeros between entries (the padding after a trailer, before a following archive, as the
// kernel allows) are skipped.
import { ByteReader } from '../tar/index.js';
import { UserError } from '../util/index.js';

export interface CpioHeader {
  name: string;
  ino: number;
  mode: number;
  nlink: number;
  size: number;
  /** The archive's device of the entry (with ino: which entries are one inode). */
  dev: string;
  /** Offset of the header in the stream, and of the end of the entry's padded data. */
  start: number;
  end: number;
}

const HEADER = 110;
const MAGIC = '070701';
export const TRAILER = 'TRAILER!!!';
const pad4 = (n: number): number => (4 - (n % 4)) % 4;
export const S_IFMT = 0o170000;

/** The entries of a cpio stream; `data` must be read (or not) before the next entry is asked for. */
export async function* readCpio(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<{ header: CpioHeader; data: () => AsyncGenerator<Buffer> }> {
  const reader = new ByteReader(source);
  try {
    for (;;) {
      const start = reader.offset;
      const first = await reader.exact(4);
      if (first === null) return;
      if (first.readUInt32LE(0) === 0) continue;
      const rest = await reader.exact(HEADER - 4);
      if (rest === null) throw new UserError(`${what}: cpio header truncated at byte ${start}`);
      const h = Buffer.concat([first, rest]).toString('latin1');
      if (!h.startsWith(MAGIC)) throw new UserError(`${what}: not a newc cpio entry at byte ${start} of the uncompressed initrd`);
      const field = (i: number): number => parseInt(h.slice(6 + 8 * i, 14 + 8 * i), 16);
      const nameSize = field(11);
      const nameBytes = await reader.exact(nameSize + pad4(HEADER + nameSize));
      if (nameBytes === null) throw new UserError(`${what}: cpio name truncated at byte ${start}`);
      const name = nameBytes.subarray(0, Math.max(0, nameSize - 1)).toString('utf8');
      const size = field(6);
      const header: CpioHeader = { name, ino: field(0), mode: field(1), nlink: field(4), size, dev: `${field(7)}:${field(8)}`, start, end: 0 };
      header.end = reader.offset + size + pad4(size);
      let left = size;
      const data = async function* (): AsyncGenerator<Buffer> {
        while (left > 0) {
          const c = await reader.take(left);
          if (c === null) throw new UserError(`${what}: ${name}: data truncated`);
          left -= c.length;
          yield c;
        }
      };
      yield { header, data };
      await reader.skip(left + pad4(size));
    }
  } finally {
    await reader.close();
  }
}
