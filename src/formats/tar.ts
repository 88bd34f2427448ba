// tar: the root filesystem stream itself (LinuxKit's base output; streamable, `-o -` works).
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { AtomicOutputs } from './atomic.js';
import type { OutputFormat, OutputTarget } from './types.js';

/**
 * Writes a streamable format's one output: to the target's stream (`-o -`), its file (`-o FILE`)
 * or DIR/NAME.EXT. Returns the files written.
 */
export async function writeStreamed(input: Readable, target: OutputTarget, ext: string): Promise<string[]> {
  if (target.stream) {
    await pipeline(input, target.stream, { end: target.stream !== process.stdout });
    return [];
  }
  const path = target.file ?? join(target.dir, `${target.name}.${ext}`);
  return AtomicOutputs.run(async (out) => {
    // Room for several pieces while one is being written: they then go out in one writev
    // rather than one write() each (~1,000 for a large image, each a turn of the main thread).
    await pipeline(input, await out.stream(path, { highWaterMark: 4 * 1024 * 1024 }));
  });
}

export const tarFormat: OutputFormat = {
  name: 'tar',
  description: 'the root filesystem as one tar file (kernel under boot/)',
  streamable: true,
  files: (name) => [`${name}.tar`],
  write: (input, target) => writeStreamed(input, target, 'tar'),
};
