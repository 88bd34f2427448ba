// What a Dockerfile package is built with, as LinuxKit's pkglib/build.go sets it up: build
// arguments (build.yml `buildArgs`, then `--build-arg-file` lines, then the defaults SOURCE,
// REVISION, GOPKGVERSION, PKG_HASH, PKG_IMAGE unless already set), the image labels
// (org.mobyproject.config, org.mobyproject.linuxkit.version, and in git
// org.opencontainers.image.source / .revision) and the network mode.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { MOBY_CONFIG_LABEL } from '../oci/index.js';
import { UserError, type SourcePos } from '../util/index.js';
import { VERSION } from '../version.js';
import { git, isGitWorkTree } from './hash.js';
import { loadPackage, shortRef, type Package } from './package.js';

export interface DockerBuildSettings {
  buildArgs: Map<string, string>;
  labels: Map<string, string>;
  network: boolean;
  noCache: boolean;
}

const SPECIAL = '@lkt:';

/**
 * One `key=value` line; LinuxKit's special values `@lkt:pkg:PATH` become the tag (org/image:tag)
 * of the package at PATH, relative to the file the line came from.
 */
function parseArg(line: string, anchorFile: string, where?: SourcePos): [string, string] {
  const eq = line.indexOf('=');
  if (eq < 0) throw new UserError(`invalid build-arg "${line}", must be in format 'arg=value' (${anchorFile})`, where);
  const key = line.slice(0, eq);
  const val = line.slice(eq + 1);
  if (!val.startsWith(SPECIAL)) return [key, val];
  const rest = val.slice(SPECIAL.length);
  if (rest.startsWith('pkg:')) {
    let path = rest.slice('pkg:'.length);
    if (!isAbsolute(path)) path = join(resolve(dirname(anchorFile)), path);
    return [key, shortRef(loadPackage(path))];
  }
  throw new UserError(`build-arg ${key}: unsupported linuxkit build arg value "${val}" (only ${SPECIAL}pkg:PATH is supported here)`, where);
}

/** LinuxKit's goPkgVersion: last vX.Y.Z tag (or v0.0.0), plus -<commit date>-<12-digit hash> past it. */
function goPkgVersion(dir: string): string {
  const described = git(dir, ['--no-pager', 'describe', "--match='v[0-9].[0-9].[0-9]*'", '--abbrev=0', '--tags']);
  const last = (described.status === 0 && described.stdout.trim()) || 'v0.0.0';
  const count = git(dir, ['rev-list', last === 'v0.0.0' ? 'HEAD' : `${last}..HEAD`, '--count']).stdout.trim();
  if (count === '0') return last;
  const dateCommit = git(dir, ['--no-pager', 'show', '--quiet', '--abbrev=12', '--date=format-local:%Y%m%d%H%M%S', '--format=%cd-%h']).stdout.trim();
  return `${last}-${dateCommit}`;
}

export function dockerBuildSettings(pkg: Package, buildArgFiles: string[] = []): DockerBuildSettings {
  const y = pkg.yml;
  const labels = new Map<string, string>();
  const buildArgs = new Map<string, string>();
  let commit = '';
  let pkgVersion = '';
  if (isGitWorkTree(pkg.dir)) {
    if (y.gitrepo) labels.set('org.opencontainers.image.source', y.gitrepo);
    if (!pkg.dirty) {
      commit = git(pkg.dir, ['rev-parse', 'HEAD']).stdout.trim();
      if (commit) labels.set('org.opencontainers.image.revision', commit);
    }
    pkgVersion = goPkgVersion(pkg.dir);
  }
  if (y.config) labels.set(MOBY_CONFIG_LABEL, JSON.stringify(y.config));
  labels.set('org.mobyproject.linuxkit.version', VERSION);

  for (const line of y.buildArgs ?? []) {
    const [k, v] = parseArg(line, y.file, y.positions.buildArgs);
    buildArgs.set(k, v);
  }
  for (const file of buildArgFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`error opening build args file ${file}: ${(err as Error).message}`, undefined, { cause: err });
    }
    for (const [i, raw] of text.split('\n').entries()) {
      const line = raw.trim();
      if (!line) continue;
      const [k, v] = parseArg(line, file, { file, line: i + 1, col: 1 });
      buildArgs.set(k.trim(), v.trim());
    }
  }
  const defaults: Array<[string, string]> = [
    ['SOURCE', y.gitrepo],
    ['REVISION', commit],
    ['GOPKGVERSION', pkgVersion],
    ['PKG_HASH', pkg.hash],
    ['PKG_IMAGE', pkg.image],
  ];
  for (const [k, v] of defaults) if (v && !buildArgs.has(k)) buildArgs.set(k, v);
  return { buildArgs, labels, network: y.network, noCache: y.disableCache };
}
