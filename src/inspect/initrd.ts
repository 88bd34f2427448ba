// The items of a kernel+initrd output (NAME-kernel, NAME-initrd.img, NAME-cmdline): the kernel
// and cmdline files as they are, and each cpio entry of the initrd with its share of the
// compressed bytes: the exact size of its member, shared among the member's entries in
// proportion to their uncompressed bytes (members.ts). Entries are placed by path
// (components.ts); what the path does not place (init images, the YAML's files) by member: in a
// segmented initrd the members come in the build's order (kernel, init images, containers,
// files), one per image. A file that the build stored once for several images (a hard link to
// an earlier member's inode, src/formats/tar-to-cpio.ts) is an item of its own that shares the
// earlier file's data.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { UserError } from '../util/index.js';
import { componentOfPath, KERNEL_COMPONENT, STRUCTURE, unplacedComponent, type Component } from './components.js';
import { readCpio, S_IFMT, TRAILER } from './cpio-read.js';
import { decompressedMembers, detectInitrd, type Member } from './members.js';
import type { Item, ItemKind, Walk } from './types.js';

export interface KernelInitrdFiles {
  kernel?: string;
  initrd: string;
  cmdline?: string;
}

/** The files of output prefix `prefix` (PREFIX-kernel, PREFIX-initrd.img, PREFIX-cmdline), those that exist. */
export async function kernelInitrdFiles(prefix: string): Promise<KernelInitrdFiles | undefined> {
  const exists = (f: string) =>
    stat(f).then(
      (s) => s.isFile(),
      () => false,
    );
  const initrd = `${prefix}-initrd.img`;
  if (!(await exists(initrd))) return undefined;
  const kernel = `${prefix}-kernel`;
  const cmdline = `${prefix}-cmdline`;
  return { initrd, ...((await exists(kernel)) && { kernel }), ...((await exists(cmdline)) && { cmdline }) };
}

function kindOf(mode: number): ItemKind {
  switch (mode & S_IFMT) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    default:
      return 'other';
  }
}

/** An initrd item before it is placed and given its compressed share. */
interface Raw {
  item: Item;
  member: number;
  start: number;
  end: number;
  placed: boolean;
}

/** Reads a kernel+initrd output; `initNames` names the init images (the YAML's init:, when known). */
export async function kernelInitrdWalk(files: KernelInitrdFiles, initNames?: string[]): Promise<Walk> {
  const outputs: Walk['outputs'] = [];
  const items: Item[] = [];
  for (const [file, path] of [
    [files.kernel, 'boot/kernel'],
    [files.cmdline, 'boot/cmdline'],
  ] as const) {
    if (!file) continue;
    const size = (await stat(file)).size;
    outputs.push({ file, size });
    items.push({ path, kind: 'file', component: KERNEL_COMPONENT, size, stored: size });
  }
  const size = (await stat(files.initrd)).size;
  outputs.push({ file: files.initrd, size });
  const fh = await open(files.initrd, 'r');
  const head = Buffer.alloc(6);
  await fh.read(head, 0, 6, 0).finally(() => fh.close());
  const compression = detectInitrd(head);
  if (!compression) throw new UserError(`${files.initrd}: not an initrd (neither a cpio archive nor gzip, zstd or lz4 compressed)`);

  const members: Member[] = [];
  const raws: Raw[] = [];
  /** Files with data, by inode: what a later link to the inode shares. */
  const inodes = new Map<string, Item>();
  for await (const { header: h, data } of readCpio(decompressedMembers(files.initrd, size, compression, members), basename(files.initrd))) {
    const kind = h.name === TRAILER ? 'other' : kindOf(h.mode);
    const path = h.name === TRAILER ? '(cpio trailer)' : h.name.replace(/^(\.\/|\/)+/, '');
    const placed = h.name === TRAILER ? STRUCTURE : componentOfPath(path);
    const item: Item = { path, kind, component: placed ?? STRUCTURE, size: kind === 'file' ? h.size : 0, stored: 0 };
    const key = `${h.dev}:${h.ino}`;
    const earlier = kind === 'file' && h.nlink >= 2 ? inodes.get(key) : undefined;
    if (earlier && h.size === 0) {
      item.kind = 'hardlink';
      item.linkTo = earlier.path;
      item.sharedSize = earlier.size;
      if (earlier.hash) item.hash = earlier.hash;
    } else if (kind === 'file') {
      const hash = createHash('sha1');
      for await (const c of data()) hash.update(c);
      item.hash = hash.digest('base64');
      if (h.nlink >= 2) inodes.set(key, item);
    }
    raws.push({ item, member: members.length, start: h.start, end: h.end, placed: placed !== undefined });
  }
  place(raws, members.length, initNames);
  share(raws, members, size);
  for (const r of raws) items.push(r.item);
  const entries = raws.reduce((a, r) => a + r.item.stored, 0);
  items.push({ path: '(compression and padding)', kind: 'other', component: STRUCTURE, size: 0, stored: size - entries });
  return { kind: 'kernel+initrd', outputs, items, compression, members: members.length };
}

/** Gives the entries their path does not place a component, from their member (see the top). */
function place(raws: Raw[], memberCount: number, initNames: string[] | undefined): void {
  const byMember = new Map<number, Raw[]>();
  for (const r of raws) {
    if (!byMember.has(r.member)) byMember.set(r.member, []);
    byMember.get(r.member)!.push(r);
  }
  const segmented = memberCount > 1;
  let afterContainers = false;
  let initIndex = 0;
  const components = new Map<string, Component>();
  for (const m of [...byMember.keys()].sort((a, b) => a - b)) {
    const list = byMember.get(m)!;
    const kinds = new Set(list.filter((r) => r.placed).map((r) => r.item.component.kind));
    const container = kinds.has('onboot') || kinds.has('service') || kinds.has('onshutdown');
    const kernel = segmented && (kinds.has('modules') || kinds.has('kernel'));
    const unplaced = list.filter((r) => !r.placed);
    if (unplaced.length) {
      // A container's member also holds the directories above its bundle (containers/onboot).
      const owner = segmented && container ? list.find((r) => r.placed && r.item.component.prefix)?.item.component : undefined;
      const isInit = segmented && !kernel && !container && !afterContainers;
      const c = owner ?? unplacedComponent({ ...(isInit && { initIndex }), afterContainers: segmented && afterContainers, kernel }, initNames);
      const shared = components.get(c.id) ?? c;
      components.set(c.id, shared);
      for (const r of unplaced) r.item.component = shared;
      if (isInit) initIndex++;
    }
    if (container) afterContainers = true;
  }
}

/**
 * Each entry's share of the compressed bytes: with F(u) the compressed offset matching
 * uncompressed offset u (linear inside each member, exact at member ends), an entry spanning
 * [a, b) takes F(b) − F(a); so the shares of a member add up to its compressed size.
 */
function share(raws: Raw[], members: Member[], size: number): void {
  let m = 0;
  const F = (u: number): number => {
    while (m < members.length - 1 && u > members[m]!.uEnd) m++;
    const x = members[m];
    if (!x) return 0;
    if (u >= x.uEnd) return x.cEnd;
    const span = x.uEnd - x.uStart;
    return span === 0 ? x.cStart : x.cStart + Math.floor(((u - x.uStart) * (x.cEnd - x.cStart)) / span);
  };
  for (const r of raws) {
    const a = F(r.start);
    r.item.stored = Math.min(size, F(r.end)) - a;
  }
}
