// `linuxkit build` as a library call: YAML files → config → images → one root filesystem tar
// stream → each requested output format. Nothing is written until the config is valid, and a
// failed build leaves no output behind (the formats write atomically).
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { basename, extname } from 'node:path';
import { assemble } from '../assemble/index.js';
import { CacheResolver } from '../assemble/cache-resolver.js';
import { TarSink } from '../assemble/tar-sink.js';
import { InputTar } from '../assemble/input-tar.js';
import { configToYaml, loadConfigs, type Config } from '../config/index.js';
import { getFormat } from '../formats/registry.js';
import type { Compression } from '../formats/types.js';
import { LayoutStore } from '../oci/cache/index.js';
import { showTagResolver } from '../pkg/resolver.js';
import type { RegistryClientOptions } from '../oci/registry/client.js';
import { UserError } from '../util/errors.js';
import { log } from '../util/log.js';
import { metadataFor } from './metadata.js';

export interface BuildOptions {
  /** YAML sources, merged in order: paths, "-" (stdin) or http(s) URLs. */
  configs: string[];
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
  registry?: RegistryClientOptions;
  /** `--input-tar`: a tar from an earlier build whose unchanged parts are copied (src/assemble/input-tar.ts). */
  inputTar?: string;
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
  const last = o.configs[o.configs.length - 1] ?? 'linuxkit';
  let name = o.name ?? '';
  if (!name && !o.output) name = last === '-' ? 'moby' : basename(last, extname(last));
  for (const f of formats) getFormat(f); // unknown formats fail before anything is done
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
  return { formats, name, dir: o.dir ?? '.', ...(output !== undefined && { output }) };
}

/** Builds the image; resolves to the paths written. */
export async function build(o: BuildOptions): Promise<string[]> {
  const plan = planOutputs(o);
  const config = await loadConfigs(o.configs, { resolvePackage: showTagResolver });
  return buildFromConfig(config, plan, o);
}

export async function buildFromConfig(config: Config, plan: BuildPlan, o: BuildOptions): Promise<string[]> {
  const store = await LayoutStore.open(o.cacheDir);
  const resolver = new CacheResolver({ store, arch: o.arch, pull: o.pull ?? false, registry: o.registry });
  // --input-tar (lk:moby/build/build.go): the old config is where the new one puts its metadata.
  const metadataPath = config.files?.filter((f) => f.metadata).pop()?.path;
  const inputTar = o.inputTar ? await InputTar.open(o.inputTar, metadataPath) : undefined;
  // Formats that take entries directly get them without a tar in between (no encoding, no
  // parsing back); a tar stream is made only when some format reads one.
  const direct = plan.formats.map((f) => getFormat(f).writeEntries !== undefined);
  const sink = new TarSink({ tar: direct.some((d) => !d) });
  // Each tar-reading format reads its own copy of the stream; pipe() waits for the slowest one.
  const copies: PassThrough[] = [];
  const writers = plan.formats.map((f, i) => {
    const format = getFormat(f);
    const target = {
      dir: plan.dir,
      name: plan.name,
      ...(plan.output === '-' ? { stream: o.stdout ?? process.stdout } : plan.output ? { file: plan.output } : {}),
    };
    if (direct[i] && format.writeEntries) return format.writeEntries(sink.entries(), target, { compress: o.compress });
    const copy = new PassThrough({ highWaterMark: 1 << 20 });
    copies.push(copy);
    sink.stream.pipe(copy);
    return format.write(copy, target, { compress: o.compress });
  });
  const assembling = assemble(config, sink, {
    resolver,
    decompressKernel: o.decompressKernel,
    ...(o.sbom !== false && { sbom: { filename: o.sbomOutput, currentTime: o.sbomCurrentTime } }),
    files: { metadata: (kind) => metadataFor(config, kind) },
    ...(inputTar && { inputTar }),
  }).catch((err: unknown) => {
    // Formats see a broken stream and remove what they started.
    const e = err instanceof Error ? err : new Error(String(err));
    sink.abort(e);
    for (const c of copies) c.destroy(e);
    throw e;
  });
  try {
    const [, ...written] = await Promise.all([assembling, ...writers]);
    const paths = written.flat();
    for (const p of paths) log.info(`Wrote ${p}`);
    return paths;
  } finally {
    resolver.close();
  }
}

/** `--dry-run`: the merged config as LinuxKit prints it (Println: the document, then an empty line). */
export async function dryRun(configs: string[]): Promise<string> {
  return configToYaml(await loadConfigs(configs, { resolvePackage: showTagResolver })) + '\n';
}

export type { Readable };
