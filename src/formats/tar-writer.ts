// Writes a small tar of whole files (tar-kernel-initrd), each streamed from disk: the sizes are
// known, so nothing is held in memory. Headers as LinuxKit's: root-owned, mode 0644, one fixed
// mtime.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { tarStream, type TarItem } from '../tar/index.js';

export interface TarFile {
  name: string;
  /** File on disk to copy, or the content itself. */
  path?: string;
  content?: Buffer;
}

export async function writeTarOfFiles(dest: string, files: TarFile[], mtime: number): Promise<void> {
  const items: TarItem[] = [];
  for (const f of files) {
    const size = f.path ? (await stat(f.path)).size : f.content!.length;
    const header = { name: f.name, size, mode: 0o644, mtime: new Date(mtime * 1000), uid: 0, gid: 0, type: 'file' as const };
    items.push({ header, data: f.content ?? (() => createReadStream(f.path!)) });
  }
  await pipeline(tarStream(items), createWriteStream(dest, { mode: 0o644 }));
}
