// `linuxkit build` as a library call: YAML files → config → images → one root filesystem tar
// stream → each requested output format. Nothing is written until the config is valid, and a
// failed build leaves no output behind (the formats write atomically).
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { basename, extname, join } from 'node:path';
import { assemble, fileSource } from '../assemble/index.js';
import { CacheResolver } from '../assemble/index.js';
import { tuneV8ForBuild } from '../assemble/index.js';
import type { ImageResolver } from '../assemble/index.js';
import { TarSink } from '../assemble/index.js';
import { InputTar } from '../assemble/index.js';
import { configToYaml, loadConfigs, sourcePos, type Config } from '../config/index.js';
import { getFormat, requireTools } from '../formats/index.js';
import { defaultMemberCache } from '../formats/index.js';
import type { Compression } from '../formats/index.js';
import { LayoutStore } from '../oci/index.js';
import { defaultUnpackedLayers } from '../oci/index.js';
import { showTagResolver } from '../pkg/index.js';
import type { RegistryClientOptions } from '../oci/index.js';
import { CorruptCacheError } from '../oci/index.js';
import { UserError } from '../util/index.js';
import { checkOutputsAreNotInputs, type BuildInputs } from './inputs.js';
import { log } from '../util/index.js';
import { metadataFor } from './metadata.js';
import { buildProgress, logSummary } from './progress.js';

export interface BuildOptions {
  /** YAML sources, merged in order: paths, "-" (stdin) or http(s) URLs. */
  configs: string[];
  /** Let configs fetched over http(s) read local files (`files: source:`): `--allow-local-files`. */
  allowLocalFiles?: boolean;
  /** Output formats; default kernel+initrd, or tar when `output` is given. */
  formats?: string[];
  name?: string;
  dir?: string;
  /** One streamable output to this file, or "-" for `stdout`. */
  output?: string;
  stdout?: Writable;
  cacheDir: string;
  arch: string;
  pull?: boolean;
  decompressKernel?: boolean;
  /** false: no SBOM in the image (--no-sbom). */
  sbom?: boolean;
  sbomOutput?: string;
  sbomCurrentTime?: boolean;
  compress?: Compression;
  /** `--size` in MiB when given: the size of the fixed-size disk formats (FormatOptions.sizeMB). */
  sizeMB?: number;
  registry?: RegistryClientOptions;
  /** `--input-tar`: a tar from an earlier build whose unchanged parts are copied (src/assemble/input-tar.ts). */
  inputTar?: string;
  /** Aborting stops the build and removes its partial outputs (the CLI: SIGINT, SIGTERM). */
  signal?: AbortSignal;
}

export interface BuildPlan {
  formats: string[];
  name: string;
  dir: string;
  output?: string;
}

/** LinuxKit's rules for names, default formats and `-o` (lk:src/cmd/linuxkit/build.go). */
export function planOutputs(o: Pick<BuildOptions, 'configs' | 'formats' | 'name' | 'dir' | 'output'>): BuildPlan {
  const formats = o.formats?.length ? [...o.formats] : [o.output ? 'tar' : 'kernel+initrd'];
  // The name is a file name prefix in --dir: a "/" would put outputs elsewhere ("../../x").
  if (o.name?.includes('/')) throw new UserError(`--name "${o.name}": a name cannot contain "/"; use --dir for the directory`);
  const last = o.configs[o.configs.length - 1] ?? 'linuxkit';
  let name = o.name ?? '';
  if (!name && !o.output) name = last === '-' ? 'moby' : basename(last, extname(last));
  for (const f of formats) {
    // Unknown formats fail before anything is done, worded as LinuxKit words it.
    try {
      getFormat(f);
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`error parsing formats: ${err.message}`, undefined, { cause: err });
      throw err;
    }
  }
  // Every host tool of every format before anything is done: a missing one names its package.
  for (const f of formats) requireTools(f, getFormat(f).hostTools ?? []);
  if (formats.length > 1) {
    for (const f of formats) if (getFormat(f).streamable) throw new UserError(`format type ${f} must be the only format specified`);
  }
  let output = o.output;
  if (output !== undefined) {
    if (formats.length > 1) throw new UserError('the -o option can only be specified when generating a single output format');
    if (o.name) throw new UserError('the -o option cannot be specified with --name');
    if (o.dir) throw new UserError('the -o option cannot be specified with --dir');
    if (!getFormat(formats[0]!).streamable) {
      throw new UserError(`the -o option cannot be specified for build type ${formats[0]} as it cannot be streamed`);
    }
  } else if (formats.length === 1 && getFormat(formats[0]!).streamable) {
    output = `${o.dir ? o.dir.replace(/\/$/, '') + '/' : ''}${name}.${formats[0]}`;
  }
  if (output === undefined) checkNoSharedOutputs(formats, name);
  return { formats, name, dir: o.dir ?? '.', ...(output !== undefined && { output }) };
}

/** Files that several formats write with the same bytes: boot/kernel and boot/cmdline, copied as they are. */
const SAME_IN_EVERY_FORMAT = /-(kernel|cmdline)$/;

/**
 * Two formats writing one file with different contents (iso-bios and kernel+iso both write
 * NAME.iso): LinuxKit lets the last one win; here it is an error before anything is built.
 */
function checkNoSharedOutputs(formats: string[], name: string): void {
  const writer = new Map<string, string>();
  for (const f of formats) {
    for (const file of getFormat(f).files(name)) {
      const other = writer.get(file);
      if (other !== undefined && other !== f && !SAME_IN_EVERY_FORMAT.test(file)) {
        throw new UserError(`formats ${other} and ${f} both write ${file}: build them separately (or with different --name)`);
      }
      writer.set(file, f);
    }
  }
}

const OUTPUT_FS_ERRORS = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EEXIST']);

/** Builds the image; resolves to the paths written. */
export async function build(o: BuildOptions): Promise<string[]> {
  const plan = planOutputs(o);
  const config = await loadConfigs(o.configs, { resolvePackage: showTagResolver, allowLocalFiles: o.allowLocalFiles ?? false });
  try {
    return await buildFromConfig(config, plan, o);
  } catch (err) {
    // Cached bytes failed their check (src/oci/verify.ts) and the bad copy is gone: once more
    // reads good ones (the layer's blob; a blob pulled again). Nothing was written, unless the
    // output was stdout, which has already had part of the image.
    if (!(err instanceof CorruptCacheError) || plan.output === '-') throw err;
    log.warn(`${err.message}; building again`);
    return buildFromConfig(config, plan, o);
  }
}

export async function buildFromConfig(config: Config, plan: BuildPlan, o: BuildOptions): Promise<string[]> {
  tuneV8ForBuild();
  const unpacked = defaultUnpackedLayers();
  await checkOutputsAreNotInputs(outputPaths(plan), buildInputs(config, o, unpacked?.dir));
  const store = await LayoutStore.open(o.cacheDir);
  const cacheResolver = new CacheResolver({ store, arch: o.arch, pull: o.pull ?? false, registry: o.registry, ...(unpacked && { unpacked }) });
  const resolver = namingFailures(cacheResolver);
  // --input-tar (lk:moby/build/build.go): the old config is where the new one puts its metadata.
  const metadataPath = config.files?.filter((f) => f.metadata).pop()?.path;
  const inputTar = o.inputTar ? await InputTar.open(o.inputTar, metadataPath) : undefined;
  // Formats that take entries directly get them without a tar in between (no encoding, no
  // parsing back); a tar stream is made only when some format reads one.
  const direct = plan.formats.map((f) => getFormat(f).writeEntries !== undefined);
  const makesTar = direct.some((d) => !d);
  const sink = new TarSink({ tar: makesTar });
  const progress = buildProgress(plan.formats);
  if (makesTar) {
    sink.stream.on('data', (chunk: Buffer) => progress.add(chunk.length));
    sink.stream.on('end', () => progress.assembled());
  }
  // A failure is reported once, through the promises below; without these listeners a stream
  // destroyed with the error (by abort() or by a format giving up) would also crash the process
  // with an "Unhandled 'error' event" after the message.
  sink.stream.on('error', () => {});
  const stdout = o.stdout ?? process.stdout;
  // A closed pipe can raise EPIPE on stdout after the format's pipeline has let go of it.
  if (plan.output === '-') stdout.on('error', () => {});
  // Each tar-reading format reads its own copy of the stream; pipe() waits for the slowest one.
  const copies: PassThrough[] = [];
  const writers = plan.formats.map((f, i) => {
    const format = getFormat(f);
    const target = {
      dir: plan.dir,
      name: plan.name,
      ...(plan.output === '-' ? { stream: stdout } : plan.output ? { file: plan.output } : {}),
    };
    // gzip initrds are made of members, unchanged ones taken from the member cache
    // (src/formats/segments.ts): gzip's 32 KB window loses nothing at a member's edge. zstd stays
    // one stream: its long window (--long) stores the busybox and libc copies the images each
    // bring almost for free, which separate members would not (docs/boot.md: 5.2 vs 9.4 MB).
    const options = {
      compress: o.compress,
      ...(o.sizeMB !== undefined && { sizeMB: o.sizeMB }),
      ...(o.compress === 'zstd' ? {} : { memberCache: defaultMemberCache() }),
    };
    if (direct[i] && format.writeEntries) return format.writeEntries(sink.entries(), target, options);
    const copy = new PassThrough({ highWaterMark: 1 << 20 });
    copy.on('error', () => {});
    copies.push(copy);
    sink.stream.pipe(copy);
    return format.write(copy, target, options);
  });
  const assembling = assemble(config, sink, {
    resolver,
    decompressKernel: o.decompressKernel,
    ...(o.sbom !== false && { sbom: { filename: o.sbomOutput, currentTime: o.sbomCurrentTime } }),
    files: {
      metadata: (kind) => metadataFor(config, kind),
      // Errors about a files entry point at it in the YAML it came from.
      position: (i) => {
        const entry = config.files?.[i];
        return entry ? sourcePos(entry) : undefined;
      },
    },
    ...(inputTar && { inputTar }),
  })
    // Without a tar stream to count, the assembly's end is the end of that stage.
    .then(() => (makesTar ? undefined : progress.assembled()))
    .catch((err: unknown) => {
      // Formats see a broken stream and remove what they started.
      const e = err instanceof Error ? err : new Error(String(err));
      sink.abort(e);
      for (const c of copies) c.destroy(e);
      throw e;
    });
  const onAbort = () => {
    const e = o.signal?.reason instanceof Error ? o.signal.reason : new UserError('the build was interrupted');
    sink.abort(e);
    for (const c of copies) c.destroy(e);
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    o.signal?.throwIfAborted();
    const [, ...written] = await Promise.all([assembling, ...writers]);
    progress.stop();
    await unpacked?.prune();
    const paths = written.flat();
    logSummary(plan.output === '-' ? [] : paths);
    return paths;
  } catch (err) {
    progress.stop();
    // When a format fails first (a host tool erred), stop the assembly too: nothing reads it now.
    // When the assembly failed first, it has aborted the stream already and `err` is its error.
    const e = err instanceof Error ? err : new Error(String(err));
    sink.abort(e);
    for (const c of copies) c.destroy(e);
    // `-o - | head`: the reader went away; say so in one line, not with a stack trace.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE' && plan.output === '-') throw new UserError('stdout was closed before the whole image was written');
    // Interrupted: the reason, not the broken stream each part saw as a result.
    if (o.signal?.aborted) throw o.signal.reason;
    // An output directory that cannot be made or written, a full disk: the user's to fix.
    const fsErr = err as NodeJS.ErrnoException;
    if (fsErr.path && fsErr.code && OUTPUT_FS_ERRORS.has(fsErr.code))
      throw new UserError(`cannot write the output: ${fsErr.message}`, undefined, { cause: err });
    throw err;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    cacheResolver.close();
  }
}

/** The files the build will write (none for `-o -`). */
function outputPaths(plan: BuildPlan): string[] {
  if (plan.output !== undefined) return plan.output === '-' ? [] : [plan.output];
  return plan.formats.flatMap((f) =>
    getFormat(f)
      .files(plan.name)
      .map((n) => join(plan.dir, n)),
  );
}

/** What the build reads, which its outputs must not replace. */
function buildInputs(config: Config, o: BuildOptions, unpackedDir: string | undefined): BuildInputs {
  const memberCache = defaultMemberCache();
  return {
    files: [
      ...o.configs.filter((c) => c !== '-' && !/^https?:\/\//.test(c)).map((path) => ({ path, what: 'the configuration' })),
      ...(o.inputTar ? [{ path: o.inputTar, what: 'the input tar' }] : []),
      ...(config.files ?? []).flatMap((f) => {
        const path = fileSource(f);
        return path ? [{ path, what: `the source of files entry ${f.path}:` }] : [];
      }),
    ],
    dirs: [
      { path: o.cacheDir, what: 'the image cache' },
      ...(memberCache ? [{ path: memberCache, what: 'the initrd member cache' }] : []),
      ...(unpackedDir ? [{ path: unpackedDir, what: 'the unpacked-layer cache' }] : []),
    ],
  };
}

/**
 * Every error while getting an image names the image: "cannot reach registry …" alone does
 * not say which of a config's images was wanted.
 */
function namingFailures(inner: ImageResolver): ImageResolver {
  return {
    resolve: (ref) =>
      inner.resolve(ref).catch((err: unknown) => {
        if (!(err instanceof UserError) || err.message.includes(ref)) throw err;
        throw new UserError(`image ${ref}: ${err.message}`, undefined, { cause: err });
      }),
  };
}

/**
 * `--dry-run`: the merged config as LinuxKit prints it (Println: the document, then an empty
 * line). It reads no `files: source:`, so a remote config's are shown, not refused: the way
 * to see what a URL would take from this machine before deciding on --allow-local-files.
 */
export async function dryRun(configs: string[]): Promise<string> {
  return configToYaml(await loadConfigs(configs, { resolvePackage: showTagResolver, allowLocalFiles: true })) + '\n';
}

export type { Readable };
export * from './metadata.js';
