// `linuxkit build --input-tar FILE` (lk:moby/build/build.go Build, extractPackageFilesFromTar):
// parts of the config that did not change since the previous build are copied, entry by entry,
// from that build's tar instead of being pulled and unpacked again. Which entries belong to which
// part is told by the PAX records every entry carries (LINUXKIT.source, LINUXKIT.location); the
// previous config is the build's own metadata file (`files: - metadata: yaml`) inside the tar.
//
// LinuxKit scans the whole input tar once per reused part. This reads it once to index where
// each part's entries lie (headers only: file bodies are skipped by offset, the metadata file
// excepted), then streams just those byte ranges back through the tar reader
// (src/tar's reader, whose header decoding the index shares) into the output.
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { loadConfigText } from '../config/index.js';
import { CONTAINER_SECTIONS, type Config, type ImageEntry, type KernelConfig, type VolumeEntry } from '../config/index.js';
import { parseNormalizedNamed, referenceString } from '../oci/index.js';
import { allocateIds } from '../spec/index.js';
import { decodeHeader, decodePax, readRawTar, type EntryType, type ReadHeader } from '../tar/index.js';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { PAX_LOCATION, PAX_SOURCE, type EntrySink, type OutEntry } from './tar-sink.js';

const BLOCK = 512;
/** Headers are read through a window this big, so a run of small entries costs few reads. */
const WINDOW = 1 << 16;

/** Where one entry of the input tar lies: from its first (extended) header to its padded end. */
interface EntrySpan {
  source: string;
  start: number;
  end: number;
}

/** The index of a previous build's tar, and the config it was built from (if it carried one). */
export class InputTar {
  private constructor(
    readonly path: string,
    /** undefined: the tar holds no metadata file where the new config puts one (nothing is reused). */
    readonly oldConfig: Config | undefined,
    private readonly spans: Map<string, EntrySpan[]>,
  ) {}

  /**
   * Indexes `path` in one pass. `metadataPath` is where the *new* config writes its metadata file
   * (LinuxKit looks there, so a config without one reuses nothing).
   */
  static async open(path: string, metadataPath: string | undefined): Promise<InputTar> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw new UserError(`failed to open input tar: ${(err as Error).message}`, undefined, { cause: err });
    }
    try {
      const { spans, metadata } = await indexTar(fh, path, metadataPath?.replace(/^\/+/, ''));
      let oldConfig: Config | undefined;
      if (metadata !== undefined) {
        try {
          oldConfig = await loadConfigText(metadata, `${path}:${metadataPath}`);
        } catch (err) {
          throw new UserError(`invalid config in existing tar file: ${(err as Error).message}`, undefined, { cause: err });
        }
      }
      return new InputTar(path, oldConfig, spans);
    } finally {
      await fh.close();
    }
  }

  /** The kernel is reused when its whole section is unchanged (image, cmdline, file names). */
  reusesKernel(k: KernelConfig): boolean {
    const old = this.oldConfig?.kernel;
    return old !== undefined && canonical(expandKernel(old)) === canonical(expandKernel(k));
  }

  reusesInit(i: number, ref: string): boolean {
    const old = this.oldConfig?.init?.[i];
    return old !== undefined && expandRef(old) === expandRef(ref);
  }

  /** A volume is reused when its whole entry (name, image, format…) is unchanged. */
  reusesVolume(i: number, vol: VolumeEntry): boolean {
    const old = this.oldConfig?.volumes?.[i];
    return old !== undefined && canonical(expandVolume(old)) === canonical(expandVolume(vol));
  }

  /**
   * The containers of `config` to copy, as "services[1]"… LinuxKit's rule (reusesContainer) plus
   * two that keep the copy equal to a fresh build: every old container name keeps its uid/gid
   * (config.json may name them), and an image shared by several containers (unpacked once, by
   * the first) is copied only if the same containers use it, old and new, all unchanged.
   */
  reusedContainers(config: Config): Set<string> {
    const out = new Set<string>();
    const old = this.oldConfig;
    if (!old) return out;
    const oldIds = allocateIds(old);
    const newIds = allocateIds(config);
    for (const [name, id] of oldIds) if (newIds.get(name) !== id) return out;
    const users = (c: Config) => {
      const m = new Map<string, string[]>();
      for (const section of CONTAINER_SECTIONS) {
        for (const [i, e] of (c[section] ?? []).entries()) {
          const ref = expandRef(e.image);
          m.set(ref, [...(m.get(ref) ?? []), `${section}[${i}]`]);
        }
      }
      return m;
    };
    const oldUsers = users(old);
    const equal = new Set<string>();
    for (const section of CONTAINER_SECTIONS) {
      for (const [i, e] of (config[section] ?? []).entries()) if (this.reusesContainer(section, i, e)) equal.add(`${section}[${i}]`);
    }
    // Bundles sharing an unpacked image depend on each other's layout: all or none of them.
    for (const [ref, where] of users(config)) {
      if (where.every((w) => equal.has(w)) && where.join() === (oldUsers.get(ref) ?? []).join()) for (const w of where) out.add(w);
    }
    return out;
  }

  /** lk:moby/config.go Image.Equal: the same entry, image names expanded, at the same index. */
  reusesContainer(section: 'onboot' | 'onshutdown' | 'services', i: number, entry: ImageEntry): boolean {
    const old = this.oldConfig?.[section]?.[i];
    return old !== undefined && canonical({ ...old, image: expandRef(old.image) }) === canonical({ ...entry, image: expandRef(entry.image) });
  }

  /**
   * Copies into `sink`, in their order in the input tar, the entries at `location` whose source
   * is `source` (any source when undefined: a volume's entries come from its image, "empty" and
   * "linuxkit.volumes").
   */
  async copy(sink: EntrySink, location: string, source: string | undefined, what: string): Promise<void> {
    log.info(`Copy ${location} files from input tar: ${what}`);
    const spans = (this.spans.get(location) ?? []).filter((s) => source === undefined || s.source === source);
    for (const run of mergeAdjacent(spans)) await this.copyRun(sink, run.start, run.end);
  }

  private async copyRun(sink: EntrySink, start: number, end: number): Promise<void> {
    for await (const entry of readRawTar(createReadStream(this.path, { start, end: end - 1 }))) {
      await sink.add(toOutEntry(entry.header), entry.body);
    }
  }
}

/** A reference as LinuxKit writes it into PAX records and metadata (docker.io/…, no :latest added). */
export function expandRef(ref: string): string {
  return referenceString(parseNormalizedNamed(ref));
}

// No image: no reference to expand (LinuxKit's UpdateImages leaves it as it is).
const expandKernel = (k: KernelConfig): KernelConfig => (k.image ? { ...k, image: expandRef(k.image) } : k);
const expandVolume = (v: VolumeEntry): VolumeEntry => (v.image ? { ...v, image: expandRef(v.image) } : { ...v, image: '' });

/** JSON with sorted keys, so two parses of equal YAML compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

function mergeAdjacent(spans: EntrySpan[]): Array<{ start: number; end: number }> {
  const runs: Array<{ start: number; end: number }> = [];
  for (const s of spans) {
    const last = runs[runs.length - 1];
    if (last && last.end === s.start) last.end = s.end;
    else runs.push({ start: s.start, end: s.end });
  }
  return runs;
}

function toOutEntry(h: ReadHeader): OutEntry {
  const pax = { ...(h.pax ?? {}) };
  // Records the header fields hold (the reader applies path, linkpath and size; the others are
  // dropped as tar-stream's extract did), and the sink writes them again when needed.
  for (const k of ['path', 'linkpath', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname']) delete pax[k];
  return {
    path: h.name,
    type: h.type as EntryType,
    mode: h.mode,
    uid: h.uid,
    gid: h.gid,
    size: h.size,
    mtime: h.mtime,
    ...(h.linkname ? { linkname: h.linkname } : {}),
    ...(h.uname ? { uname: h.uname } : {}),
    ...(h.gname ? { gname: h.gname } : {}),
    ...(h.devmajor ? { devmajor: h.devmajor } : {}),
    ...(h.devminor ? { devminor: h.devminor } : {}),
    ...(Object.keys(pax).length > 0 && { pax }),
  };
}

/** Reads a file at offsets through one reusable window. */
class WindowReader {
  private buf = Buffer.alloc(WINDOW);
  private bufStart = 0;
  private bufLen = 0;
  constructor(private readonly fh: FileHandle) {}

  async read(offset: number, length: number): Promise<Buffer> {
    if (offset >= this.bufStart && offset + length <= this.bufStart + this.bufLen) {
      return this.buf.subarray(offset - this.bufStart, offset - this.bufStart + length);
    }
    if (length > WINDOW) {
      const out = Buffer.alloc(length);
      const { bytesRead } = await this.fh.read(out, 0, length, offset);
      return out.subarray(0, bytesRead);
    }
    const { bytesRead } = await this.fh.read(this.buf, 0, WINDOW, offset);
    this.bufStart = offset;
    this.bufLen = bytesRead;
    return this.buf.subarray(0, Math.min(length, bytesRead));
  }
}

const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

async function indexTar(fh: FileHandle, path: string, metadataPath: string | undefined): Promise<{ spans: Map<string, EntrySpan[]>; metadata?: string }> {
  const reader = new WindowReader(fh);
  const { size: total } = await fh.stat();
  const spans = new Map<string, EntrySpan[]>();
  let metadata: string | undefined;
  let offset = 0;
  let start = 0;
  let pax = new Map<string, string>();
  let longName: string | undefined;
  const bad = (why: string) => new UserError(`failed to read input tar ${path}: ${why} at offset ${offset}`);
  while (offset + BLOCK <= total) {
    const block = await reader.read(offset, BLOCK);
    if (block.length < BLOCK) throw bad('short header');
    let header: ReadHeader | null;
    try {
      header = decodeHeader(block);
    } catch {
      throw bad('not a tar header (bad checksum or unknown format)');
    }
    if (header === null) break;
    const { size, type } = header;
    if (!Number.isSafeInteger(size) || size < 0) throw bad('bad entry size');
    const dataStart = offset + BLOCK;
    const next = dataStart + padded(size);
    if (next > total) throw bad('truncated entry');
    if (type === 'pax-header' || type === 'pax-global-header' || type === 'gnu-long-path' || type === 'gnu-long-link-path') {
      // Extended headers belong to the entry that follows: its span (`start`) began at the first.
      const data = await reader.read(dataStart, size);
      if (type === 'pax-header') for (const [k, v] of Object.entries(decodePax(data))) pax.set(k, v);
      else if (type === 'gnu-long-path') longName = data.toString('utf8').replace(/\0.*$/s, '');
      offset = next;
      continue;
    }
    const name = pax.get('path') ?? longName ?? header.name;
    const location = pax.get(PAX_LOCATION);
    if (location !== undefined) {
      let list = spans.get(location);
      if (!list) spans.set(location, (list = []));
      list.push({ source: pax.get(PAX_SOURCE) ?? '', start, end: next });
    }
    const isFile = type === 'file' || type === 'contiguous-file';
    if (metadata === undefined && isFile && metadataPath !== undefined && name.replace(/^\/+/, '') === metadataPath) {
      metadata = (await reader.read(dataStart, size)).toString('utf8');
    }
    offset = next;
    start = next;
    pax = new Map();
    longName = undefined;
  }
  return { spans, ...(metadata !== undefined && { metadata }) };
}
