// `linuxkit pkg`: LinuxKit's subcommands and flags (lk:src/cmd/linuxkit/pkg*.go). `build`
// builds daemonless (Debian) packages into the cache; `show-tag` prints org/image:tag.
import { Command, Option } from 'commander';
import { LayoutStore } from '../oci/index.js';
import { pushImage } from '../oci/index.js';
import { parseReference, referenceString, repositoryName } from '../oci/index.js';
import { RegistryClient } from '../oci/index.js';
import { registryOptions } from '../oci/index.js';
import { buildPackage, type BuildOptions } from '../pkg/index.js';
import { DEFAULT_BUILD_YML, DEFAULT_TAG_TEMPLATE, DEFAULT_ORG } from '../pkg/index.js';
import { canonicalRef, DEFAULT_HASH_COMMIT, ENV_PKG_ORG, loadPackage, shortRef, type PkgOptions } from '../pkg/index.js';
import { NotImplementedError, UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { globalOptions } from './context.js';
import { notYet } from './not-yet.js';

interface PkgFlags {
  buildYml: string;
  org?: string;
  tag?: string;
  hash?: string;
  hashCommit: string;
  hashPath?: string;
  forceDirty: boolean;
  dev: boolean;
  disableCache?: boolean;
  enableCache?: boolean;
  network?: boolean;
  nonetwork?: boolean;
}

/** The flags every `pkg` subcommand takes (LinuxKit's persistent flags on `pkg`). */
function pkgOptions(cmd: Command): PkgOptions {
  const f = cmd.optsWithGlobals() as PkgFlags;
  const source = (name: string): string | undefined => {
    for (let c: Command | null = cmd; c; c = c.parent) {
      const s = c.getOptionValueSource(name);
      if (s) return s;
    }
    return undefined;
  };
  const set = (name: string): boolean => source(name) === 'cli';
  if (set('disableCache') && set('enableCache')) throw new UserError('cannot set but disable-cache and enable-cache');
  if (set('network') && set('nonetwork')) throw new UserError('cannot set but nonetwork and network');
  const opts: PkgOptions = {
    buildYml: f.buildYml,
    hashCommit: f.hashCommit,
    forceDirty: f.forceDirty,
    dev: f.dev,
  };
  if (f.hash) opts.hash = f.hash;
  if (f.hashPath) opts.hashPath = f.hashPath;
  if (set('org')) opts.org = f.org;
  if (set('tag')) opts.tag = f.tag;
  if (set('disableCache')) opts.disableCache = Boolean(f.disableCache);
  if (set('enableCache')) opts.disableCache = !f.enableCache;
  if (set('network')) opts.network = Boolean(f.network);
  if (set('nonetwork')) opts.network = !f.nonetwork;
  return opts;
}

function addCommonFlags(cmd: Command): Command {
  return cmd
    .option('--disable-cache', 'Disable build cache')
    .option('--enable-cache', 'Enable build cache')
    .option('--nonetwork', 'Disallow network use during build')
    .option('--network', 'Allow network use during build')
    .option('--org <org>', `Override the hub org (default ${DEFAULT_ORG}). Also read from env var ${ENV_PKG_ORG}; CLI flag takes precedence.`)
    .option('--build-yml <file>', 'Override the name of the yml file', DEFAULT_BUILD_YML)
    .option('--hash <hash>', "Override the image hash (default is to query git for the package's tree-sh)")
    .option('--tag <template>', `Override the tag using fixed strings and/or text templates (default ${DEFAULT_TAG_TEMPLATE}). Acceptable are .Hash for the hash`)
    .option('--hash-commit <commit>', 'Override the git commit to use for the hash', DEFAULT_HASH_COMMIT)
    .option('--hash-path <dir>', 'Override the directory to use for the image hash, must be a parent of the package dir (default is to use the package dir)')
    .option('--force-dirty', 'Force the pkg(s) to be considered dirty', false)
    .option('--dev', 'Force org and hash to $USER and "dev" respectively', false)
    .option('--registry-creds <creds...>', 'Registry auths to use for building images (<registry>=<username>:<password>)');
}

function showTagCommand(): Command {
  return new Command('show-tag')
    .description('show the tag for packages based on its source directory')
    .argument('<path...>', 'package source directories')
    .option('--canonical', 'Show canonical name, e.g. docker.io/linuxkit/foo:1234, instead of the default, e.g. linuxkit/foo:1234', false)
    .action((paths: string[], flags: { canonical: boolean }, cmd: Command) => {
      const opts = pkgOptions(cmd);
      for (const p of paths) {
        const pkg = loadPackage(p, opts);
        process.stdout.write(`${flags.canonical ? canonicalRef(pkg) : shortRef(pkg)}\n`);
      }
    });
}

interface BuildFlags {
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

async function runBuild(paths: string[], flags: BuildFlags, cmd: Command, push: boolean): Promise<void> {
  if (flags.docker) throw new NotImplementedError("'pkg build --docker' (storing into a Docker engine)");
  if (flags.release) throw new NotImplementedError("'pkg build --release'");
  if (flags.pull) throw new NotImplementedError("'pkg build --pull'");
  const opts = pkgOptions(cmd);
  const pkgs = paths.map((p) => loadPackage(p, opts));
  if (flags.dryRun) {
    for (const p of pkgs) {
      process.stdout.write(`${canonicalRef(p)}: ${p.yml.debian ? `debian ${p.yml.debian.packages.join(' ')}` : `Dockerfile ${p.yml.dockerfile}`}\n`);
    }
    return;
  }
  const doPush = push || flags.push;
  const g = globalOptions(cmd);
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
        log.info(`pkg: built ${shortRef(pkg)} in ${((Date.now() - started) / 1000).toFixed(1)}s: ${r.descriptor.digest}, ${(r.size / 1e6).toFixed(1)} MB of layers`);
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

function buildFlags(cmd: Command): Command {
  return cmd
    .argument('<path...>', 'package source directories')
    .option('--force', 'Force rebuild even if image is in local cache', false)
    .option('--pull', 'Pull image if in registry but not in local cache; conflicts with --force', false)
    .option('--ignore-cached', 'Ignore cached intermediate images, always pulling from registry', false)
    .option('--docker', 'Store the built image in the docker image cache instead of the default linuxkit cache', false)
    .option('--platforms <list>', 'Which platforms to build for, defaults to all of those for which the package can be built')
    .option('--skip-platforms <list>', 'Platforms that should be skipped, even if present in build.yml')
    .option('--builders <list>', 'Which builders to use for which platforms (BuildKit only)')
    .option('--builder-image <image>', 'buildkit builder container image to use (BuildKit only)')
    .option('--builder-config <file>', 'buildkit builder config.toml (BuildKit only)')
    .option('--builder-restart', 'force restarting builder (BuildKit only)', false)
    .option('--precache-images', 'download all images referenced in the Dockerfile to the linuxkit cache first (BuildKit only)', false)
    .option('--release <version>', 'Release the given version')
    .option('--nobuild', 'Skip building the image before pushing, conflicts with -force', false)
    .option('--manifest', 'Create and push multi-arch manifest', true)
    .option('--sbom-scanner <scanner>', "SBOM scanner; 'false' for no SBOM (daemonless packages always record their Debian packages otherwise)")
    .option('--dockerfile <file>', 'Dockerfile to use for building the image')
    // Repeatable, one file each time (LinuxKit's StringArray), so it does not swallow the package paths.
    .option('--build-arg-file <file>', 'File of build arguments, one key=value per line, overriding buildArgs in build.yml; may be repeated', (f: string, all: string[] = []) => [...all, f])
    .addOption(new Option('--progress <type>', 'Set type of progress output').choices(['auto', 'plain', 'tty']).default('auto'))
    .option('--ssh <spec>', 'SSH agent socket or keys for the build, as docker buildx --ssh takes them; may be repeated (buildx only)', (v: string, all: string[] = []) => [...all, v])
    .option('--dry-run', 'Do not actually build, just print what would be built', false);
}

/** LinuxKit's remote-tag: the same manifest put under another tag of the same repository. */
async function remoteTag(fromArg: string, toArg: string, cmd: Command): Promise<void> {
  const from = parseReference(fromArg);
  const to = parseReference(toArg);
  if (repositoryName(from) !== repositoryName(to)) {
    throw new NotImplementedError(`'pkg remote-tag' between repositories (${repositoryName(from)} → ${repositoryName(to)})`);
  }
  const g = globalOptions(cmd);
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

export function pkgCommand(): Command {
  const pkg = addCommonFlags(new Command('pkg').description('package building and pushing'));
  pkg.addCommand(
    buildFlags(new Command('build').description('build an OCI package from a directory with a yaml configuration file'))
      .option('--push', 'After building, if successful, push the image to the registry', false)
      .action((paths: string[], flags: BuildFlags, cmd: Command) => runBuild(paths, flags, cmd, false)),
  );
  pkg.addCommand(
    buildFlags(new Command('push').description('build and push an OCI package'))
      .action((paths: string[], flags: BuildFlags, cmd: Command) => runBuild(paths, flags, cmd, true)),
  );
  pkg.addCommand(showTagCommand());
  pkg.addCommand(
    new Command('manifest')
      .alias('index')
      .description('update manifest in the registry for the given path based on all known platforms')
      .argument('<path>', 'package source directory')
      .option('--release <version>', 'Release the given version')
      .action(async (path: string, flags: { release?: string }, cmd: Command) => {
        if (flags.release) throw new NotImplementedError("'pkg manifest --release'");
        const p = loadPackage(path, pkgOptions(cmd));
        const g = globalOptions(cmd);
        const store = await LayoutStore.open(g.cache);
        // The cache holds the package as one index of every built platform: pushing that
        // index is what LinuxKit's manifest step assembles from per-arch tags.
        if (!(await store.resolve(canonicalRef(p)))) {
          throw new UserError(`${canonicalRef(p)} is not in the cache: run 'linuxkit pkg build ${path}' first`);
        }
        process.stdout.write(`Updating index for "${shortRef(p)}"\n`);
        const r = await pushImage(canonicalRef(p), store, undefined, { override: true, registry: registryOptions(g) });
        log.info(`pkg: pushed ${r.ref} ${r.digest}`);
      }),
  );
  pkg.addCommand(
    new Command('remote-tag')
      .description('tag a package in a remote registry with another tag, without downloading or pulling')
      .argument('<from>', 'the existing image')
      .argument('<to>', 'the new tag, in the same repository')
      .action(async (fromArg: string, toArg: string, _flags: unknown, cmd: Command) => remoteTag(fromArg, toArg, cmd)),
  );
  pkg.addCommand(notYet(new Command('builder').description('manage the pkg builder (BuildKit only)').argument('[args...]').allowUnknownOption()));
  return pkg;
}
