// A LinuxKit output format that is not built here yet, as an object in the registry like any
// other: it carries LinuxKit's name, what it would write and whether it streams, so `build -f`
// lists it and refuses it with one message. Replacing it by a real format changes its line in
// registry.ts only (docs/formats.md, "Adding a format").
import type { Readable } from 'node:stream';
import { NotImplementedError } from '../util/index.js';
import type { OutputFormat } from './types.js';

export class NotYetFormat implements OutputFormat {
  /** `suffixes`: what LinuxKit writes for NAME, e.g. ['.iso'] for NAME.iso (lk:src/cmd/linuxkit/moby/build/output.go). */
  constructor(
    readonly name: string,
    readonly description: string,
    private readonly suffixes: readonly string[],
    readonly streamable = false,
  ) {}

  files(name: string): string[] {
    return this.suffixes.map((s) => `${name}${s}`);
  }

  /** The error any use of this format gives. */
  error(): NotImplementedError {
    return new NotImplementedError(`output format ${this.name}`);
  }

  write(_input: Readable): Promise<string[]> {
    return Promise.reject(this.error());
  }
}

/** The stub of LinuxKit's format `name` (see NotYetFormat). */
export function notYet(name: string, description: string, suffixes: readonly string[], streamable = false): NotYetFormat {
  return new NotYetFormat(name, description, suffixes, streamable);
}
