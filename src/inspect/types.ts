// What `linuxkit inspect` knows about an image: every entry of its output (Item), grouped by
// component, and the report made of them (sizes, largest files, duplicates).
import type { Component } from './components.js';

export type ItemKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** One entry of the output (a tar entry, a cpio entry, or an output file such as the kernel). */
export interface Item {
  /** Path in the image, without a leading "./" or "/". */
  path: string;
  kind: ItemKind;
  component: Component;
  /** Bytes of data it holds once unpacked (0 for links, directories, devices). */
  size: number;
  /** Bytes it takes in the output: its headers and data, compressed where the output is. */
  stored: number;
  /** SHA-1 of a file's data, to find the same bytes in several components. */
  hash?: string;
  /** A hard link: the path whose data it shares. */
  linkTo?: string;
  /** A hard link in an initrd made by the build's dedup: the size of the file it shares (not stored again). */
  sharedSize?: number;
}

/** What was read: the items, and the output's files with their sizes (summing to `total`). */
export interface Walk {
  kind: 'tar' | 'kernel+initrd';
  outputs: { file: string; size: number }[];
  items: Item[];
  /** Compression of the initrd and how many members it has (kernel+initrd). */
  compression?: string;
  members?: number;
}

export interface ComponentSize {
  id: string;
  kind: Component['kind'];
  label: string;
  /** Bytes of file data once unpacked. */
  unpacked: number;
  /** Bytes in the output (they add up to the output's size). */
  stored: number;
  files: number;
}

export interface Copy {
  component: string;
  path: string;
  /** Stored once already: a hard link the build made (kernel+initrd). */
  shared: boolean;
}

export interface Duplicate {
  size: number;
  copies: Copy[];
}

export interface InspectReport {
  input: string;
  kind: Walk['kind'];
  outputs: Walk['outputs'];
  total: number;
  compression?: string;
  members?: number;
  components: ComponentSize[];
  largest: { path: string; component: string; size: number }[];
  /** Files with the same bytes in several components, largest saving first. */
  duplicates: Duplicate[];
  /** Unpacked bytes of the copies still stored more than once, i.e. what sharing them would save. */
  duplicateBytes: number;
  /** Unpacked bytes of copies already stored once (hard links made by the build). */
  sharedBytes: number;
  sharedFiles: number;
}

/** The treemap's tree: [name, bytes in the output, unpacked bytes, children?]. */
export type TreeNode = [string, number, number, TreeNode[]?];
