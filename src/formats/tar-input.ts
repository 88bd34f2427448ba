// Reading the root filesystem tar stream: entries with names in one normal form, so that
// every format recognises boot/kernel & co. the same way.
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';

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
  const extract = tar.extract();
  const feeding = pipeline(input, extract);
  feeding.catch(() => undefined); // surfaced through the iterator below, or awaited at the end
  for await (const stream of extract) {
    const entry: TarEntry = {
      name: normalName(stream.header.name),
      header: stream.header,
      body: stream as AsyncIterable<Buffer>,
      skip: async () => {
        for await (const _ of stream as AsyncIterable<Buffer>) {
          // discard
        }
      },
    };
    yield entry;
  }
  await feeding;
}

/** Reads a whole (small) entry into memory. */
export async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of body) parts.push(b);
  return Buffer.concat(parts);
}
