// `linuxkit pkg`: LinuxKit's subcommands and flags (lk:src/cmd/linuxkit/pkg*.go). `build`
// builds daemonless (Debian) packages into the cache; `show-tag` prints org/image:tag.
import { Command, Option } from 'commander';
import { DEFAULT_BUILD_YML, DEFAULT_TAG_TEMPLATE, DEFAULT_ORG } from '../pkg/index.js';
import { canonicalRef, DEFAULT_HASH_COMMIT, ENV_PKG_ORG, loadPackage, shortRef, type PkgOptions } from '../pkg/index.js';
import { UserError } from '../util/index.js';
import { globalOptions } from './context.js';
import { notYet } from './not-yet.js';
import type { BuildFlags } from './pkg-build.js';

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
    .option(
      '--tag <template>',
      `Override the tag using fixed strings and/or text templates (default ${DEFAULT_TAG_TEMPLATE}). Acceptable are .Hash for the hash`,
    )
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

/** What build, push, manifest and remote-tag run: loaded only then (show-tag needs none of it). */
function lazy(): Promise<typeof import('./pkg-build.js')> {
  return import('./pkg-build.js');
}

function buildFlags(cmd: Command): Command {
  return (
    cmd
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
      .option(
        '--build-arg-file <file>',
        'File of build arguments, one key=value per line, overriding buildArgs in build.yml; may be repeated',
        (f: string, all: string[] = []) => [...all, f],
      )
      .addOption(new Option('--progress <type>', 'Set type of progress output').choices(['auto', 'plain', 'tty']).default('auto'))
      .option(
        '--ssh <spec>',
        'SSH agent socket or keys for the build, as docker buildx --ssh takes them; may be repeated (buildx only)',
        (v: string, all: string[] = []) => [...all, v],
      )
      .option('--dry-run', 'Do not actually build, just print what would be built', false)
  );
}

export function pkgCommand(): Command {
  const pkg = addCommonFlags(new Command('pkg').description('package building and pushing'));
  pkg.addCommand(
    buildFlags(new Command('build').description('build an OCI package from a directory with a yaml configuration file'))
      .option('--push', 'After building, if successful, push the image to the registry', false)
      .action(async (paths: string[], flags: BuildFlags, cmd: Command) => (await lazy()).runBuild(paths, flags, pkgOptions(cmd), globalOptions(cmd), false)),
  );
  pkg.addCommand(
    buildFlags(new Command('push').description('build and push an OCI package')).action(async (paths: string[], flags: BuildFlags, cmd: Command) =>
      (await lazy()).runBuild(paths, flags, pkgOptions(cmd), globalOptions(cmd), true),
    ),
  );
  pkg.addCommand(showTagCommand());
  pkg.addCommand(
    new Command('manifest')
      .alias('index')
      .description('update manifest in the registry for the given path based on all known platforms')
      .argument('<path>', 'package source directory')
      .option('--release <version>', 'Release the given version')
      .action(async (path: string, flags: { release?: string }, cmd: Command) => (await lazy()).pushManifest(path, flags, pkgOptions(cmd), globalOptions(cmd))),
  );
  pkg.addCommand(
    new Command('remote-tag')
      .description('tag a package in a remote registry with another tag, without downloading or pulling')
      .argument('<from>', 'the existing image')
      .argument('<to>', 'the new tag, in the same repository')
      .action(async (fromArg: string, toArg: string, _flags: unknown, cmd: Command) => (await lazy()).remoteTag(fromArg, toArg, globalOptions(cmd))),
  );
  pkg.addCommand(notYet(new Command('builder').description('manage the pkg builder (BuildKit only)').argument('[args...]').allowUnknownOption()));
  return pkg;
}
