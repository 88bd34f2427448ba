// `pkg build` of a package built from its Dockerfile (no `debian:` block), through a Docker
// engine, as LinuxKit's pkglib/build.go does with BuildKit. Per platform the engine builds the
// image and its bytes are streamed straight into the linuxkit cache's importer:
//  - buildx with a BuildKit builder (docker-container, remote, …): `--output type=oci,dest=-`;
//  - buildx on the engine's own "docker" driver (which cannot export OCI) or no buildx at all
//    (the classic builder): build into the engine, then `docker image save` of that image id.
// The platform manifests (and BuildKit's attestations) then go into one OCI index tagged
// docker.io/org/image:tag, last, so a failed build leaves no tag. No engine: a clear error
// naming what was tried (docker-engine.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { LayoutStore } from '../oci/index.js';
import { exportImage } from '../oci/index.js';
import { importImages } from '../oci/index.js';
import { isIndexMediaType } from '../oci/index.js';
import { byteProgress } from '../oci/index.js';
import { normalizeReference } from '../oci/index.js';
import { MediaType, type Descriptor, type ImageIndex, type ImageManifest, type Platform } from '../oci/index.js';
import { UserError } from '../util/index.js';
import { Level, log, logLevel, showProgress } from '../util/index.js';
import { checkEngine, detectBuilder, dockerCli, dockerEnv, enginePlatform, type BuilderKind, type EngineChoice } from './docker-engine.js';
import { dockerBuildSettings, type DockerBuildSettings } from './dockerfile-args.js';
import { baseImages, contextSources, contextTar } from './dockerfile-context.js';
import { putJson } from './layer.js';
import { canonicalRef, shortRef, type Package } from './package.js';

export interface DockerfileBuildOptions {
  platforms?: Platform[];
  /** Platforms were given on the command line (an unbuildable one is an error, not a skip). */
  explicitPlatforms?: boolean;
  dockerfile?: string;
  buildArgFiles?: string[];
  sbom?: boolean;
  /** A BuildKit SBOM generator image (--sbom-scanner), buildx only. */
  sbomScanner?: string;
  progress?: string;
  /** SSH agent sockets or keys for RUN --mount=type=ssh (buildx only). */
  ssh?: string[];
}

export interface DockerfileBuildResult {
  descriptor: Descriptor;
  size: number;
}

/** The Dockerfile, checked as LinuxKit does: inside the package, and there. */
export function dockerfilePath(pkg: Package, override?: string): string {
  const name = override ?? pkg.yml.dockerfile;
  if (name.includes('..')) throw new UserError(`cannot expand beyond root of context for dockerfile ${name}`, pkg.yml.positions.dockerfile);
  const file = join(pkg.dir, name);
  if (!existsSync(file)) throw new UserError(`dockerfile ${name} does not exist or cannot be read in context ${pkg.dir}`, pkg.yml.positions.dockerfile);
  return file;
}

/** The engine to build with, or the error saying none answers and what was tried. */
async function engineFor(pkg: Package, dockerfile: string): Promise<EngineChoice> {
  const check = await checkEngine();
  const where = `${check.engine.source}${check.engine.host ? ` (${check.engine.host})` : ''}`;
  if (!check.ok) {
    throw new UserError(
      `cannot build ${shortRef(pkg)} from ${dockerfile}: it needs a Docker/BuildKit engine, and none answers: ` +
        `tried ${where}: ${check.why}. Set DOCKER_HOST or a docker context to an engine that runs, ` +
        `or give the package a "debian:" block in build.yml to build it without any engine (see docs/pkg.md).`,
    );
  }
  const cli = dockerCli(check.engine, ['--version']);
  if (cli.error) throw new UserError(`cannot build ${shortRef(pkg)}: a Docker engine answers on ${where}, but ${cli.error} (it drives the build)`);
  log.info(`pkg: ${shortRef(pkg)}: building ${dockerfile} with the Docker engine at ${where}`);
  return check.engine;
}

/** Which platforms the builder can make: BuildKit any (emulated if need be); the classic builder only the engine's own. */
function platformsFor(pkg: Package, engine: EngineChoice, builder: BuilderKind, opts: DockerfileBuildOptions): Platform[] {
  const wanted = opts.platforms ?? pkg.yml.arches.map((architecture) => ({ os: 'linux', architecture }));
  if (builder.kind === 'buildx') return wanted;
  const native = enginePlatform(engine);
  if (!native) throw new UserError(`the Docker engine did not say its platform (docker version --format '{{.Server.Os}}/{{.Server.Arch}}')`);
  const ok = wanted.filter((p) => p.os === native.os && p.architecture === native.architecture);
  const other = wanted.filter((p) => !ok.includes(p)).map((p) => `${p.os}/${p.architecture}`);
  const why = `the engine has no buildx, and its classic builder only builds ${native.os}/${native.architecture}`;
  if (other.length && opts.explicitPlatforms) throw new UserError(`cannot build ${shortRef(pkg)} for ${other.join(', ')}: ${why}; install docker buildx`);
  if (other.length) log.info(`pkg: ${shortRef(pkg)}: skipping ${other.join(', ')} (${why})`);
  if (!ok.length) throw new UserError(`cannot build ${shortRef(pkg)}: none of its arches (${pkg.yml.arches.join(', ')}) can be built: ${why}`);
  return ok;
}

/** The last bytes a child wrote, for the error message; shown live unless -q. */
class Relay {
  private tail = '';
  feed(stream: Readable | null): void {
    stream?.on('data', (c: Buffer) => {
      if (logLevel() >= Level.Info) process.stderr.write(c);
      this.tail = (this.tail + c.toString('utf8')).slice(-2000);
    });
  }
  lastLines(): string {
    return this.tail.trim().split('\n').slice(-5).join('\n');
  }
}

interface DockerRun<T> {
  args: string[];
  stdin?: Readable;
  /** Consumes stdout (an image tar); without it stdout is relayed like stderr. */
  consume?: (stdout: Readable) => Promise<T>;
  /** Let the CLI draw its own progress on our terminal. */
  inheritStderr?: boolean;
  env?: Record<string, string>;
}

/** Runs the docker CLI for a long job (a build, a save), streaming; fails with its last lines. */
async function runDocker<T>(engine: EngineChoice, run: DockerRun<T>): Promise<T | undefined> {
  log.debug(`docker ${run.args.join(' ')}`);
  const child = spawn('docker', run.args, {
    env: { ...dockerEnv(engine), ...run.env },
    stdio: [run.stdin ? 'pipe' : 'ignore', 'pipe', run.inheritStderr ? 'inherit' : 'pipe'],
  });
  const relay = new Relay();
  relay.feed(child.stderr);
  const exited = new Promise<number | null>((resolveP, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolveP(code));
  });
  let inputError: Error | undefined;
  if (run.stdin && child.stdin) {
    // A context file that cannot be read stops the build; that, not docker's complaint about a
    // short tar, is the error to report.
    run.stdin.on('error', (e) => {
      inputError = e;
      child.stdin!.destroy();
      child.kill('SIGTERM');
    });
    child.stdin.on('error', () => {}); // the CLI may stop reading early; its exit status says why
    run.stdin.pipe(child.stdin);
  }
  let consumed: Promise<T> | undefined;
  if (run.consume) {
    consumed = run.consume(child.stdout!);
    // If the importer gives up, the CLI must not block forever writing to a pipe nobody reads.
    consumed.catch(() => {
      child.stdout!.resume();
      child.kill('SIGTERM');
    });
  } else relay.feed(child.stdout);
  // Both are awaited: a failed CLI is reported as such even if the importer choked first.
  const [code, result] = await Promise.allSettled([exited, consumed ?? Promise.resolve(undefined)]);
  const status = code.status === 'fulfilled' ? code.value : undefined;
  if (code.status === 'rejected') throw new UserError(`cannot run docker: ${(code.reason as Error).message}`, undefined, { cause: code.reason });
  if (inputError) throw new UserError(`cannot send the build context to docker: ${inputError.message}`, undefined, { cause: inputError });
  if (result.status === 'rejected' && status === null) throw result.reason as Error; // we stopped it
  if (status !== 0) {
    const words = run.args.slice(0, 2).filter((a) => !a.startsWith('-')).join(' ');
    // Its output was shown as it came, unless -q: then its last lines are the explanation.
    const tail = logLevel() >= Level.Info ? '' : relay.lastLines();
    throw new UserError(`docker ${words} failed (exit ${status})${tail ? `:\n${tail}` : ': its output is above'}`);
  }
  if (result.status === 'rejected') throw result.reason as Error;
  return result.value;
}

/** Counts the bytes of an image tar going by, for the progress bar. */
function counted(stream: Readable, label: string, total: number): Readable {
  const bar = byteProgress(label, total);
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bar.add(chunk.length);
      cb(null, chunk);
    },
    flush(cb) {
      bar.stop();
      cb();
    },
  });
  stream.on('error', (e) => t.destroy(e));
  return stream.pipe(t);
}

/** Imports the one image a tar holds (unnamed) and returns its root descriptor. */
async function importOne(store: LayoutStore, tar: Readable): Promise<Descriptor> {
  const images = await importImages(store, tar);
  if (images.length !== 1) throw new UserError(`the engine's output held ${images.length} images, expected 1`);
  return images[0]!.descriptor;
}

/** The manifests (image and attestation) of an imported root, each with its platform. */
async function platformManifests(store: LayoutStore, root: Descriptor): Promise<Descriptor[]> {
  if (isIndexMediaType(root.mediaType)) {
    const index = await store.readJsonBlob<ImageIndex>(root.digest);
    const out: Descriptor[] = [];
    for (const m of index.manifests) out.push(...(await platformManifests(store, m)));
    return out;
  }
  if (root.platform) return [root];
  const manifest = await store.readJsonBlob<ImageManifest>(root.digest);
  const cfg = await store.readJsonBlob<{ os?: string; architecture?: string; variant?: string }>(manifest.config.digest);
  const platform: Platform = { os: cfg.os ?? 'linux', architecture: cfg.architecture ?? 'unknown', ...(cfg.variant ? { variant: cfg.variant } : {}) };
  return [{ mediaType: root.mediaType, digest: root.digest, size: root.size, platform }];
}

const isAttestation = (d: Descriptor): boolean => d.platform?.os === 'unknown' && d.platform.architecture === 'unknown';

function buildFlags(s: DockerBuildSettings, dockerfileName: string, platform: Platform): string[] {
  const args = ['-f', dockerfileName, '--platform', `${platform.os}/${platform.architecture}${platform.variant ? '/' + platform.variant : ''}`];
  args.push('--network', s.network ? 'default' : 'none');
  if (s.noCache) args.push('--no-cache');
  for (const [k, v] of s.buildArgs) args.push('--build-arg', `${k}=${v}`);
  // As LinuxKit passes the proxy variables to BuildKit: `--build-arg NAME` takes them from our env.
  for (const p of ['http_proxy', 'https_proxy', 'no_proxy', 'ftp_proxy', 'all_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'FTP_PROXY', 'ALL_PROXY']) {
    if (process.env[p] !== undefined && !s.buildArgs.has(p)) args.push('--build-arg', p);
  }
  for (const [k, v] of s.labels) args.push('--label', `${k}=${v}`);
  return args;
}

/** Images the Dockerfile starts FROM that are in the linuxkit cache, with their cached root. */
async function cachedBases(store: LayoutStore, dockerfile: string, s: DockerBuildSettings): Promise<Array<{ name: string; ref: string; root: Descriptor }>> {
  const out: Array<{ name: string; ref: string; root: Descriptor }> = [];
  for (const name of baseImages(readFileSync(dockerfile, 'utf8'), s.buildArgs)) {
    let ref: string;
    try {
      ref = normalizeReference(name);
    } catch {
      continue; // not a reference the cache could hold; the engine will say what it thinks of it
    }
    const root = await store.resolve(ref);
    if (root) out.push({ name, ref, root });
  }
  return out;
}

export async function buildDockerfilePackage(pkg: Package, store: LayoutStore, opts: DockerfileBuildOptions = {}): Promise<DockerfileBuildResult> {
  const dockerfile = dockerfilePath(pkg, opts.dockerfile);
  const dockerfileName = opts.dockerfile ?? pkg.yml.dockerfile;
  const engine = await engineFor(pkg, dockerfile);
  const builder = detectBuilder(engine);
  log.info(`pkg: builder: ${builder.kind === 'buildx' ? `docker buildx (driver ${builder.driver})` : 'the classic docker builder (no buildx)'}`);
  const platforms = platformsFor(pkg, engine, builder, opts);
  const settings = dockerBuildSettings(pkg, opts.buildArgFiles);
  const sources = contextSources(pkg);
  const bases = await cachedBases(store, dockerfile, settings);
  const ociExport = builder.kind === 'buildx' && builder.driver !== 'docker';
  if (opts.ssh?.length && builder.kind !== 'buildx') throw new UserError(`--ssh needs docker buildx, which the engine's CLI does not have`);
  if (opts.sbom !== false && !ociExport) log.info(`pkg: no SBOM: only a BuildKit builder (buildx, not the docker driver) scans images`);

  const manifests: Descriptor[] = [];
  for (const platform of platforms) {
    const plat = `${platform.os}/${platform.architecture}`;
    log.info(`pkg: building ${shortRef(pkg)} for ${plat}`);
    const flags = buildFlags(settings, dockerfileName, platform);
    let root: Descriptor | undefined;
    if (ociExport) {
      // LinuxKit hands cached images to BuildKit as named contexts; buildx does this with oci-layout://.
      for (const b of bases) flags.push('--build-context', `${b.name}=oci-layout://${store.dir}@${b.root.digest}`);
      if (opts.sbom !== false) flags.push(`--sbom=${opts.sbomScanner ? `generator=${opts.sbomScanner}` : 'true'}`);
      if (opts.progress && opts.progress !== 'auto') flags.push('--progress', opts.progress);
      for (const s of opts.ssh ?? []) flags.push('--ssh', s);
      root = await runDocker(engine, {
        args: ['buildx', 'build', ...flags, '--output', 'type=oci,dest=-', '-'],
        stdin: contextTar(sources),
        consume: (out) => importOne(store, out),
        inheritStderr: showProgress(),
      });
    } else {
      for (const b of bases) await loadIntoEngine(store, engine, b.ref, platform);
      root = await buildAndSave(store, engine, builder, flags, sources, plat, opts.ssh);
    }
    const got = await platformManifests(store, root!);
    const images = got.filter((d) => !isAttestation(d));
    const wrong = images.find((d) => d.platform?.architecture !== platform.architecture || d.platform.os !== platform.os);
    if (!images.length || wrong) {
      throw new UserError(`the engine built ${wrong ? `${wrong.platform?.os}/${wrong.platform?.architecture}` : 'no image'} when asked for ${plat}`);
    }
    manifests.push(...got);
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  const descriptor = await putJson(store, MediaType.ociIndex, index);
  await store.tag(canonicalRef(pkg), descriptor);
  let size = 0;
  for (const m of manifests.filter((d) => !isAttestation(d))) {
    size += (await store.readJsonBlob<ImageManifest>(m.digest)).layers.reduce((n, l) => n + l.size, 0);
  }
  return { descriptor, size };
}

/** A base image from the linuxkit cache, given to the engine with `docker load` (as LinuxKit gives it to BuildKit). */
async function loadIntoEngine(store: LayoutStore, engine: EngineChoice, ref: string, platform: Platform): Promise<void> {
  log.info(`pkg: giving ${ref} (${platform.architecture}) from the linuxkit cache to the engine`);
  const tar = await exportImage(store, ref, { format: 'docker', platform });
  await runDocker(engine, { args: ['image', 'load'], stdin: tar });
}

/** Classic builder or buildx's docker driver: build into the engine, then stream `docker image save` into the cache. */
async function buildAndSave(
  store: LayoutStore,
  engine: EngineChoice,
  builder: BuilderKind,
  flags: string[],
  sources: ReturnType<typeof contextSources>,
  plat: string,
  ssh?: string[],
): Promise<Descriptor> {
  const tmp = mkdtempSync(join(tmpdir(), 'linuxkit-docker-'));
  try {
    const iidfile = join(tmp, 'iid');
    const args = builder.kind === 'buildx' ? ['buildx', 'build', '--load', ...flags, ...(ssh ?? []).flatMap((x) => ['--ssh', x])] : ['build', ...flags];
    await runDocker(engine, {
      args: [...args, '--iidfile', iidfile, '-'],
      stdin: contextTar(sources),
      inheritStderr: builder.kind === 'buildx' && showProgress(),
      // Without buildx a new CLI refuses DOCKER_BUILDKIT=1; the classic builder is what there is.
      ...(builder.kind === 'classic' ? { env: { DOCKER_BUILDKIT: '0' } } : {}),
    });
    const id = readFileSync(iidfile, 'utf8').trim();
    const size = Number(dockerCli(engine, ['image', 'inspect', '--format', '{{.Size}}', id]).stdout.trim()) || 0;
    // Saved by id, not by a name, so the cache gets no stray tag; only the package's tag is written.
    const root = await runDocker(engine, {
      args: ['image', 'save', id],
      consume: (out) => importOne(store, counted(out, `Saving ${plat}`, size)),
    });
    // The image was only needed to be saved; its build cache (parent layers) stays in the engine.
    dockerCli(engine, ['image', 'rm', '--no-prune', id]);
    return root!;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
