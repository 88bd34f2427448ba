// A tar stream read as records, header and data as they are written (the formats read the
// build's root filesystem stream this way; the assembly hands them the same records directly,
// src/assemble/entry-channel.ts): names in one normal form, so that every format recognises
// boot/kernel & co. the same way.
import type { Readable } from 'node:stream';
import { normalizeEntryPath } from './entry.js';
import { readRawTar, type RawEntry } from './reader.js';

/**
 * One entry of a tar as written: the reader's header (every field set, PAX records applied)
 * under its name in normal form. TarEntry (entry.ts) is the file system's view of one.
 */
export interface TarRecord extends Pick<RawEntry, 'header'> {
  /** The header's name in normal form (normalizeEntryPath); "." for the root. */
  name: string;
  /** The entry's data; must be consumed (or skipped with skip()) before the next entry. */
  body: AsyncIterable<Buffer>;
  skip(): Promise<void>;
}

/** A name from a header in normal form: normalizeEntryPath's, with "." for the root. */
export function recordName(name: string): string {
  return normalizeEntryPath(name) || '.';
}

/** Iterates over the records of a tar stream; a truncated or corrupt stream throws. */
export async function* readRecords(input: Readable): AsyncGenerator<TarRecord> {
  for await (const { header, body } of readRawTar(input)) {
    yield {
      name: recordName(header.name),
      header,
      body: { [Symbol.asyncIterator]: () => body.chunks() },
      // What is left unread is skipped by the reader when the next entry is asked for.
      skip: async () => undefined,
    };
  }
}

/** Reads a whole (small) body into memory. */
export async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of body) parts.push(b);
  return Buffer.concat(parts);
}
