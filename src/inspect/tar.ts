// The items of a build's tar output: each entry's component from its origin records, the bytes
// it takes in the tar (its header records, data and padding: the sum of every entry and the
// archive's end blocks is the tar's size), and a hash of each file's data for duplicates.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { readRawTar, recordName } from '../tar/index.js';
import { UserError } from '../util/index.js';
import { componentOfOrigin, OTHER, STRUCTURE, type Component } from './components.js';
import type { Item, ItemKind, Walk } from './types.js';

const PAX_SOURCE = 'LINUXKIT.source';
const PAX_LOCATION = 'LINUXKIT.location';
const pad512 = (n: number): number => (512 - (n % 512)) % 512;

/** Tar entry types as items (the rest, devices and fifos, are 'other'). */
const KINDS: Record<string, ItemKind> = { file: 'file', 'contiguous-file': 'file', directory: 'dir', symlink: 'symlink', link: 'hardlink' };

export async function tarWalk(file: string): Promise<Walk> {
  const size = (await stat(file)).size;
  const items: Item[] = [];
  /** Each location's component, for the entries its path does not place (the directories above a bundle). */
  const byLocation = new Map<string, Component>();
  const unplaced: { item: Item; location: string }[] = [];
  try {
    for await (const { header: h, body, offset, dataOffset } of readRawTar(createReadStream(file, { highWaterMark: 1024 * 1024 }))) {
      const path = recordName(h.name);
      const kind = KINDS[h.type] ?? 'other';
      const location = h.pax?.[PAX_LOCATION];
      const component = componentOfOrigin(path, h.pax?.[PAX_SOURCE], location);
      const item: Item = {
        path,
        kind,
        component,
        size: kind === 'file' ? h.size : 0,
        stored: dataOffset - offset + h.size + pad512(h.size),
      };
      if (kind === 'file') {
        const hash = createHash('sha1');
        for await (const c of body.chunks()) hash.update(c);
        item.hash = hash.digest('base64');
      } else if (kind === 'hardlink') {
        item.linkTo = recordName(h.linkname ?? '');
      }
      items.push(item);
      if (location && component === OTHER) unplaced.push({ item, location });
      else if (location && !byLocation.has(location)) byLocation.set(location, component);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${file}: not a readable tar: ${(err as Error).message}`, undefined, { cause: err });
  }
  for (const { item, location } of unplaced) item.component = byLocation.get(location) ?? OTHER;
  const entries = items.reduce((a, i) => a + i.stored, 0);
  // End-of-archive blocks and the record padding after them.
  items.push({ path: '(end of archive)', kind: 'other', component: STRUCTURE, size: 0, stored: size - entries });
  return { kind: 'tar', outputs: [{ file, size }], items };
}
