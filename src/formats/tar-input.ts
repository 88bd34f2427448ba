// Reading the root filesystem tar stream (the one tar reader, src/oci/layer/tar-reader.ts):
// entries with names in one normal form, so that every format recognises boot/kernel & co. the
// same way.
import type { Readable } from 'node:stream';
import type tar from 'tar-stream';
import { readRawTar } from '../oci/layer/tar-reader.js';

export type TarHeader = tar.Header;

export interface TarEntry {
  /** Name without "./" or "/" in front and without a trailing "/"; "." for the root. */
  name: string;
  header: TarHeader;
  /** The entry's data; must be consumed (or skipped with skip()) before the next entry. */
  body: AsyncIterable<Buffer>;
  skip(): Promise<void>;
}

export function normalName(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  n = n.replace(/^\/+/, '').replace(/\/+$/, '');
  return n === '' || n === '.' ? '.' : n;
}

/** Iterates over the entries of a tar stream; a truncated or corrupt stream throws. */
export async function* readTar(input: Readable): AsyncGenerator<TarEntry> {
  for await (const { header, body } of readRawTar(input)) {
    yield {
      name: normalName(header.name),
      header: header as TarHeader,
      body: { [Symbol.asyncIterator]: () => body.chunks() },
      // What is left unread is skipped by the reader when the next entry is asked for.
      skip: async () => undefined,
    };
  }
}

/** Reads a whole (small) entry into memory. */
export async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of body) parts.push(b);
  return Buffer.concat(parts);
}
