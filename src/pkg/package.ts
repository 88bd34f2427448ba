// A package directory resolved to its name and tag, as LinuxKit's pkglib.NewFromConfig does:
// build.yml + CLI overrides (--org / $LINUXKIT_PKG_ORG, --tag, --hash, --hash-commit,
// --hash-path, --force-dirty, --dev) → org/image:tag.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { normalizeReference } from '../oci/index.js';
import { UserError } from '../util/index.js';
import { DEFAULT_BUILD_YML, loadBuildYml, type BuildYml } from './buildyml.js';
import {
  directoryContentHash,
  directoryTreeHash,
  gitContentHash,
  gitIsDirty,
  gitTreeHash,
  isGitWorkTree,
  gitPackageTree,
} from './hash.js';

export const ENV_PKG_ORG = 'LINUXKIT_PKG_ORG';
export const DEFAULT_HASH_COMMIT = 'HEAD';

/** CLI overrides shared by every `pkg` subcommand (LinuxKit's PkglibConfig). */
export interface PkgOptions {
  buildYml?: string;
  org?: string;
  tag?: string;
  hash?: string;
  hashCommit?: string;
  hashPath?: string;
  forceDirty?: boolean;
  dev?: boolean;
  /** Overrides build.yml's `network` / `disable-cache` (accepted for LinuxKit compatibility). */
  network?: boolean;
  disableCache?: boolean;
}

export interface Package {
  dir: string;
  yml: BuildYml;
  org: string;
  image: string;
  hash: string;
  tag: string;
  dirty: boolean;
  /** How the hash was obtained, for messages and docs. */
  hashSource: 'git' | 'content' | 'flag';
}

/** LinuxKit's Tag(): org/image:tag ("latest" when the tag is empty). */
export function shortRef(p: Package): string {
  return `${p.org}/${p.image}:${p.tag || 'latest'}`;
}

/** LinuxKit's FullTag(): the reference expanded (docker.io/org/image:tag). */
export function canonicalRef(p: Package): string {
  return normalizeReference(shortRef(p));
}

export function loadPackage(pkgDir: string, opts: PkgOptions = {}): Package {
  const dir = resolve(pkgDir);
  const ymlFile = join(dir, opts.buildYml ?? DEFAULT_BUILD_YML);
  if (!existsSync(ymlFile)) throw new UserError(`${dir} is not a package: ${ymlFile} does not exist`);
  const yml = loadBuildYml(ymlFile);
  // --network/--nonetwork and --disable-cache/--enable-cache override build.yml, as in LinuxKit.
  if (opts.network !== undefined) yml.network = opts.network;
  if (opts.disableCache !== undefined) yml.disableCache = opts.disableCache;
  const commit = opts.hashCommit ?? DEFAULT_HASH_COMMIT;

  let org = yml.org;
  let hash = opts.hash ?? '';
  if (opts.dev) {
    org = process.env.USER ?? org;
    if (!hash) hash = 'dev';
  }
  if (opts.org !== undefined) org = opts.org;
  else if (process.env[ENV_PKG_ORG]) org = process.env[ENV_PKG_ORG]!;

  let hashPath = dir;
  if (opts.hashPath) {
    hashPath = resolve(opts.hashPath);
    if (dir !== hashPath && !dir.startsWith(hashPath + sep)) {
      throw new UserError('Hash path is not a prefix of the package path');
    }
  }

  let dirty = false;
  let hashSource: Package['hashSource'] = hash ? 'flag' : 'git';
  const inGit = gitPackageTree(dir, hashPath, commit);
  if (inGit) {
    const extra = extraSourceHashes(dir, yml, commit);
    const tree = inGit.tree;
    // A package directory not yet committed is dirty by definition (LinuxKit errors out instead).
    dirty = Boolean(opts.forceDirty) || tree === undefined || gitIsDirty(dir, hashPath, commit);
    if (!hash) {
      hash = tree ?? directoryTreeHash(hashPath);
      if (extra) hash = createHash('sha1').update(hash + extra).digest('hex');
      if (dirty) hash += `-dirty-${gitContentHash(dir).slice(0, 7)}`;
    }
  } else {
    dirty = Boolean(opts.forceDirty);
    if (!hash) {
      hashSource = 'content';
      if (yml.extraSources.length > 0) {
        throw new UserError(`extra-sources needs the package to be in a git repository`, yml.positions['extra-sources']);
      }
      hash = directoryTreeHash(hashPath);
      if (dirty) hash += `-dirty-${directoryContentHash(dir).slice(0, 7)}`;
    }
  }

  const template = opts.tag ?? yml.tag;
  const tag = expandTagTemplate(template || '{{.Hash}}', hash, yml);
  return { dir, yml, org, image: yml.image, hash, tag, dirty, hashSource };
}

/** LinuxKit's extra-sources: "src:dst", each src's git tree hash concatenated. */
function extraSourceHashes(dir: string, yml: BuildYml, commit: string): string {
  let out = '';
  for (const source of yml.extraSources) {
    const parts = source.split(':');
    if (parts.length !== 2) throw new UserError(`bad source format in ${source}`, yml.positions['extra-sources']);
    const src = isAbsolute(parts[0]!) ? normalize(parts[0]!) : join(dir, parts[0]!);
    if (!isGitWorkTree(src)) throw new UserError(`source ${src} not in a git repository`, yml.positions['extra-sources']);
    const h = gitTreeHash(src, src, commit);
    if (!h) throw new UserError(`package ${src} is not in git`, yml.positions['extra-sources']);
    out += h;
  }
  return out;
}

/**
 * LinuxKit's tag is a Go text/template with one field, .Hash. Only that field is supported;
 * anything else in {{ }} is an error rather than a silently wrong tag.
 */
export function expandTagTemplate(template: string, hash: string, yml?: BuildYml): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_m, inner: string) => {
    if (inner.trim() === '.Hash') return hash;
    throw new UserError(`unsupported tag template "{{${inner}}}": only {{.Hash}} is available`, yml?.positions.tag);
  });
}
