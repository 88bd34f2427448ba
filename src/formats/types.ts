// The contract between `build` (which produces one tar stream of the root filesystem) and
// the output formats (which turn that stream into files). A format only sees the stream:
// it never knows how the stream was assembled.
import type { Readable, Writable } from 'node:stream';
import { readRecords, type TarRecord } from '../tar/index.js';
import type { HostTool } from './host-tools.js';

/** The initrd compressions the kernel can unpack that we offer (`--compress`). */
export type Compression = 'gzip' | 'zstd' | 'lz4' | 'none';
export const COMPRESSIONS: readonly Compression[] = ['gzip', 'zstd', 'lz4', 'none'];

/** Where outputs go. Files are NAME-kernel, NAME-initrd.img, … in `dir`. */
export interface OutputTarget {
  dir: string;
  name: string;
  /**
   * For a streamable format with a single output (`-o FILE`): write exactly this file
   * instead of DIR/NAME.EXT.
   */
  file?: string;
  /** For a streamable format (`-o -`): write to this stream (stdout) instead of a file. */
  stream?: Writable;
}

export interface FormatOptions {
  /** Initrd compression; gzip as LinuxKit by default. */
  compress?: Compression;
  /** Compression level; each codec's own default when absent. */
  level?: number;
  /**
   * SOURCE_DATE_EPOCH: clamps timestamps in generated archives and fixes the creation time of
   * file systems, so the same input gives the same bytes. Defaults to $SOURCE_DATE_EPOCH, else
   * LinuxKit's fixed date (2017-04-18T16:30:00Z).
   */
  sourceDateEpoch?: number;
  /** Threads for compression; os.availableParallelism() by default. */
  threads?: number;
  /**
   * gzip and zstd initrds (kernel+initrd, tar-kernel-initrd): a directory where compressed
   * members of the parts of the image that did not change between builds (e.g. the kernel's
   * modules) are kept, so they are not compressed again; `false` for the same member layout
   * without a cache; absent for one compressed stream (see docs/formats.md). `build` passes
   * memberCacheDir() unless LINUXKIT_INITRD_CACHE=off.
   */
  memberCache?: string | false;
  /** Bound of the member cache in bytes (1 GiB if absent). */
  memberCacheMax?: number;
  /** `--size` in MiB, for the formats of a fixed size (aws, qcow2-bios); LinuxKit's default 1024. */
  sizeMB?: number;
}

/** One output format of `linuxkit build -f NAME`. */
export interface OutputFormat {
  readonly name: string;
  readonly description: string;
  /** True when the whole output is one stream (`-o -` allowed), as LinuxKit's `tar`. */
  readonly streamable: boolean;
  /** The host programs and files it runs or reads (checked before the build starts). */
  readonly hostTools?: readonly HostTool[];
  /** Every file this format may write for `target`, relative to target.dir (for messages, cleanup). */
  files(name: string): string[];
  /**
   * Consumes `input` (a tar stream of the root filesystem, kernel under boot/) and writes the
   * outputs. All or nothing: on failure no output file is left behind. Returns the paths written.
   */
  write(input: Readable, target: OutputTarget, options?: FormatOptions): Promise<string[]>;
  /**
   * Optional, for speed: the same as write() on the tar of `entries`, taking the entries as
   * readRecords (src/tar/records.ts) would give them back, so the build can skip encoding a tar and this
   * format parsing it again. Must produce exactly the bytes write() would.
   */
  writeEntries?(entries: AsyncIterable<TarRecord>, target: OutputTarget, options?: FormatOptions): Promise<string[]>;
}

/** How a format that reads records (OutputFormat.writeEntries) writes them. */
export type WriteRecords = (entries: AsyncIterable<TarRecord>, target: OutputTarget, options: FormatOptions) => Promise<string[]>;

/** A format written from records: write() reads them out of the tar stream (readRecords). */
export function recordFormat(decl: Pick<OutputFormat, 'name' | 'description' | 'streamable' | 'files'>, writeRecords: WriteRecords): OutputFormat {
  return {
    ...decl,
    write: (input, target, options = {}) => writeRecords(readRecords(input), target, options),
    writeEntries: (entries, target, options = {}) => writeRecords(entries, target, options),
  };
}
