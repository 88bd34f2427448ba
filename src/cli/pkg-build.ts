// The work of `linuxkit pkg build|push|manifest|remote-tag` (src/cli/pkg.ts declares them):
// apart, so `pkg show-tag` does not load the package builders and the registry client to start.
import { LayoutStore } from '../oci/index.js';
import { pushImage } from '../oci/index.js';
import { parseReference, referenceString, repositoryName } from '../oci/index.js';
import { RegistryClient } from '../oci/index.js';
import { registryOptions } from '../oci/index.js';
import { buildPackage, type BuildOptions } from '../pkg/index.js';
import { canonicalRef, loadPackage, shortRef, type PkgOptions } from '../pkg/index.js';
import { NotImplementedError, UserError } from '../util/index.js';
import { log } from '../util/index.js';
import type { GlobalOptions } from './context.js';

export interface BuildFlags {
  force: boolean;
  push: boolean;
  platforms?: string;
  skipPlatforms?: string;
  sbomScanner?: string;
  docker: boolean;
  pull: boolean;
  nobuild: boolean;
  dryRun: boolean;
  release?: string;
  dockerfile?: string;
  buildArgFile?: string[];
  progress?: string;
  ssh?: string[];
}

export async function runBuild(paths: string[], flags: BuildFlags, opts: PkgOptions, g: GlobalOptions, push: boolean): Promise<void> {
  if (flags.docker) throw new NotImplementedError("'pkg build --docker' (storing into a Docker engine)");
  if (flags.release) throw new NotImplementedError("'pkg build --release'");
  if (flags.pull) throw new NotImplementedError("'pkg build --pull'");
  const pkgs = paths.map((p) => loadPackage(p, opts));
  if (flags.dryRun) {
    for (const p of pkgs) {
      process.stdout.write(`${canonicalRef(p)}: ${p.yml.debian ? `debian ${p.yml.debian.packages.join(' ')}` : `Dockerfile ${p.yml.dockerfile}`}\n`);
    }
    return;
  }
  const doPush = push || flags.push;
  const store = await LayoutStore.open(g.cache);
  const bo: BuildOptions = { force: flags.force, sbom: flags.sbomScanner !== 'false' };
  if (flags.platforms) bo.platforms = flags.platforms;
  if (flags.skipPlatforms) bo.skipPlatforms = flags.skipPlatforms;
  if (flags.dockerfile) bo.dockerfile = flags.dockerfile;
  if (flags.buildArgFile) bo.buildArgFiles = flags.buildArgFile;
  if (flags.sbomScanner && flags.sbomScanner !== 'false') bo.sbomScanner = flags.sbomScanner;
  if (flags.progress) bo.progress = flags.progress;
  if (flags.ssh) bo.ssh = flags.ssh;
  for (const pkg of pkgs) {
    if (flags.nobuild && !doPush) throw new UserError('--nobuild only makes sense with --push');
    if (!flags.nobuild) {
      const started = Date.now();
      const r = await buildPackage(pkg, store, bo);
      if (!r.skipped) {
        log.info(
          `pkg: built ${shortRef(pkg)} in ${((Date.now() - started) / 1000).toFixed(1)}s: ${r.descriptor.digest}, ${(r.size / 1e6).toFixed(1)} MB of layers`,
        );
      }
      process.stdout.write(`${r.ref} ${r.descriptor.digest}${r.skipped ? ' (cached)' : ` ${r.size}`}\n`);
    }
    if (doPush) {
      // LinuxKit refuses to push a dirty package: its tag does not name committed sources.
      if (pkg.dirty) throw new UserError(`build complete, refusing to push dirty package ${shortRef(pkg)} (commit its changes first)`);
      const pushed = await pushImage(canonicalRef(pkg), store, undefined, {
        registry: registryOptions(g),
      });
      log.info(pushed.pushed ? `pkg: pushed ${pushed.ref} ${pushed.digest}` : `pkg: ${pushed.ref} was already in the registry`);
    }
  }
}

/** LinuxKit's remote-tag: the same manifest put under another tag of the same repository. */
export async function remoteTag(fromArg: string, toArg: string, g: GlobalOptions): Promise<void> {
  const from = parseReference(fromArg);
  const to = parseReference(toArg);
  if (repositoryName(from) !== repositoryName(to)) {
    throw new NotImplementedError(`'pkg remote-tag' between repositories (${repositoryName(from)} → ${repositoryName(to)})`);
  }
  const client = new RegistryClient(registryOptions(g));
  try {
    const src = await client.getManifest(from);
    const existing = await client.headManifest(to);
    if (existing?.digest === src.descriptor.digest) {
      log.info(`image ${referenceString(to)} already exists in the registry, identical to ${referenceString(from)}, skipping`);
      return;
    }
    if (existing) log.info(`image ${referenceString(to)} already exists in the registry, but is different from ${referenceString(from)}, overwriting`);
    await client.putManifest(to, src.descriptor.mediaType, src.body);
    log.info(`pkg: tagged ${referenceString(to)} ${src.descriptor.digest}`);
  } finally {
    client.close();
  }
}

/** LinuxKit's `pkg manifest`: push the package's index (every built platform) from the cache. */
export async function pushManifest(path: string, flags: { release?: string }, opts: PkgOptions, g: GlobalOptions): Promise<void> {
  if (flags.release) throw new NotImplementedError("'pkg manifest --release'");
  const p = loadPackage(path, opts);
  const store = await LayoutStore.open(g.cache);
  // The cache holds the package as one index of every built platform: pushing that
  // index is what LinuxKit's manifest step assembles from per-arch tags.
  if (!(await store.resolve(canonicalRef(p)))) {
    throw new UserError(`${canonicalRef(p)} is not in the cache: run 'linuxkit pkg build ${path}' first`);
  }
  process.stdout.write(`Updating index for "${shortRef(p)}"\n`);
  const r = await pushImage(canonicalRef(p), store, undefined, { override: true, registry: registryOptions(g) });
  log.info(`pkg: pushed ${r.ref} ${r.digest}`);
}
