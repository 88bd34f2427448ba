// Debian packages through the host's apt, and nothing else: `apt-cache show` for the candidate
// (version, file name, sha256), `apt-cache depends` for dependencies, `apt-get download` for
// the .deb. Downloaded files are kept in a cache directory and re-used when their sha256 matches.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toolCacheDir } from '../util/index.js';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';

export const ENV_DEB_CACHE = 'LINUXKIT_DEB_CACHE';

/** Where downloaded .debs are kept across runs: $LINUXKIT_DEB_CACHE or ~/.cache/linuxkit-ts/debs. */
export function defaultDebCacheDir(): string {
  // "off" is not a setting here: downloads need somewhere to go.
  return process.env[ENV_DEB_CACHE] || join(toolCacheDir(), 'debs');
}

export interface DebInfo {
  name: string;
  version: string;
  architecture: string;
  /** Source package name and version (for the SBOM). */
  source: string;
  sourceVersion: string;
  maintainer: string;
  homepage?: string;
  sha256: string;
  size: number;
  /** The file name apt-get download gives it. */
  fileName: string;
}

/**
 * apt's binary package cache, kept next to the .deb cache. Docker-derived hosts turn it off
 * (Dir::Cache::pkgcache ""), which makes every apt-cache call re-parse all lists (~2.5 s);
 * apt checks this file against the lists itself and rebuilds it when they change.
 */
function aptCacheOptions(): string[] {
  const dir = join(defaultDebCacheDir(), '..', 'apt');
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return [];
  }
  return ['-o', `Dir::Cache::pkgcache=${join(dir, 'pkgcache.bin')}`, '-o', `Dir::Cache::srcpkgcache=${join(dir, 'srcpkgcache.bin')}`];
}

function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (cmd === 'apt-cache') args = [...aptCacheOptions(), ...args];
  log.debug(`${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw new UserError(`cannot run ${cmd}: ${r.error.message} (is apt installed? Debian packages need a Debian host)`, undefined, { cause: r.error });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** dpkg's architecture, and the foreign ones apt is configured for. */
let archCache: { native: string; all: string[] } | undefined;
export function aptArchitectures(): { native: string; all: string[] } {
  if (archCache) return archCache;
  const native = run('dpkg', ['--print-architecture']).stdout.trim();
  const foreign = run('dpkg', ['--print-foreign-architectures']).stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  archCache = { native, all: [native, ...foreign] };
  return archCache;
}

function qualify(name: string, arch: string, native: string): string {
  return arch === native || name.includes(':') ? name : `${name}:${arch}`;
}

function parseStanzas(text: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const block of text.split(/\n\n+/)) {
    const rec: Record<string, string> = {};
    let last = '';
    for (const line of block.split('\n')) {
      if (/^\s/.test(line) && last) rec[last] += '\n' + line.trim();
      else {
        const i = line.indexOf(':');
        if (i > 0) {
          last = line.slice(0, i);
          rec[last] = line.slice(i + 1).trim();
        }
      }
    }
    if (rec.Package) out.push(rec);
  }
  return out;
}

function debInfo(s: Record<string, string>, arch: string): DebInfo {
  const src = /^(\S+)(?: \((.+)\))?$/.exec(s.Source ?? '');
  return {
    name: s.Package!,
    version: s.Version ?? '',
    architecture: s.Architecture ?? arch,
    source: src?.[1] ?? s.Package!,
    sourceVersion: src?.[2] ?? s.Version ?? '',
    maintainer: s.Maintainer ?? '',
    homepage: s.Homepage,
    sha256: s.SHA256 ?? '',
    size: Number(s.Size ?? 0),
    fileName: (s.Filename ?? '').split('/').pop() ?? '',
  };
}

/**
 * Exactly `version` of `name` (a pinned package, whatever apt's candidate is); a UserError
 * naming the versions apt has when it does not know that one.
 */
export function showVersion(name: string, version: string, arch: string): DebInfo {
  const { native } = aptArchitectures();
  const r = run('apt-cache', ['show', `${qualify(name, arch, native)}=${version}`]);
  const stanza = parseStanzas(r.stdout).find((s) => s.Package === name && s.Version === version);
  if (stanza) return debInfo(stanza, arch);
  const known = parseStanzas(run('apt-cache', ['show', qualify(name, arch, native)]).stdout).map((s) => s.Version).filter(Boolean);
  throw new UserError(
    `apt has no ${name} ${version} for ${arch}` +
      (known.length ? ` (it has ${known.join(', ')}: update the pinned version)` : ' (is the name right? run "apt-get update" if apt\'s lists are old)'),
  );
}

/** The candidate versions of `names` for `arch`; a name apt does not know is a UserError naming it. */
export function showCandidates(names: string[], arch: string, native: string): Map<string, DebInfo> {
  const result = new Map<string, DebInfo>();
  if (names.length === 0) return result;
  const r = run('apt-cache', ['show', '--no-all-versions', ...names.map((n) => qualify(n, arch, native))]);
  for (const s of parseStanzas(r.stdout)) if (!result.has(s.Package!)) result.set(s.Package!, debInfo(s, arch));
  const missing = names.filter((n) => !result.has(n.replace(/:.*$/, '')));
  if (missing.length > 0) {
    throw new UserError(
      `Debian package${missing.length > 1 ? 's' : ''} not found by apt for ${arch}: ${missing.join(', ')}` +
        (r.stderr.trim() ? ` (${r.stderr.trim().split('\n')[0]})` : '') +
        ' — check the name, or run "apt-get update" if apt\'s package lists are empty or old',
    );
  }
  return result;
}

export interface DependGroup {
  /** Alternatives in order; a virtual package is expanded to its providers, marked virtual. */
  alternatives: Array<{ name: string; virtual: boolean; providers: string[] }>;
}

/** `apt-cache depends` for each name: its Depends and Pre-Depends, as groups of alternatives. */
function directDepends(names: string[], arch: string, native: string): Map<string, DependGroup[]> {
  const r = run('apt-cache', [
    'depends', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances',
    ...names.map((n) => qualify(n, arch, native)),
  ]);
  if (r.status !== 0) throw new UserError(`apt-cache depends failed: ${r.stderr.trim()}`);
  return parseAptDepends(r.stdout);
}

/**
 * Parses `apt-cache depends` output. A line " |Depends: a" means "a, or the next one"; a
 * virtual package is written "<name>" with its providers below it, indented by four spaces.
 */
export function parseAptDepends(text: string): Map<string, DependGroup[]> {
  const out = new Map<string, DependGroup[]>();
  let current: DependGroup[] | undefined;
  let open: DependGroup | undefined; // a group whose last line had the "|" continuation mark
  let lastAlt: DependGroup['alternatives'][number] | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (!line.startsWith(' ')) {
      current = [];
      out.set(line.trim().replace(/:.*$/, ''), current);
      open = undefined;
      continue;
    }
    const m = /^ (\|| )(Depends|PreDepends): (.+)$/.exec(line);
    if (m && current) {
      const raw = m[3]!.trim();
      const virtual = raw.startsWith('<');
      const name = raw.replace(/^<|>$/g, '').replace(/:.*$/, '');
      lastAlt = { name, virtual, providers: [] };
      const group = open ?? { alternatives: [] };
      if (!open) current.push(group);
      group.alternatives.push(lastAlt);
      open = m[1] === '|' ? group : undefined;
      continue;
    }
    if (/^ {4}\S/.test(line) && lastAlt?.virtual) lastAlt.providers.push(line.trim().replace(/:.*$/, ''));
  }
  return out;
}

/**
 * The package to add for one dependency group, or undefined when none is needed: the group is
 * already satisfied by a chosen package, or all its alternatives are excluded. Otherwise the
 * first alternative not excluded (for a virtual package, its first provider not excluded).
 */
export function chooseAlternative(group: DependGroup, excluded: Set<string>, chosen: Set<string>): string | undefined {
  const candidates: string[] = [];
  for (const alt of group.alternatives) {
    if (excluded.has(alt.name)) continue;
    if (alt.virtual) candidates.push(...alt.providers.filter((p) => !excluded.has(p)));
    else candidates.push(alt.name);
  }
  if (candidates.length === 0 || candidates.some((c) => chosen.has(c))) return undefined;
  return candidates[0];
}

/**
 * The closure of `roots` under Depends/Pre-Depends, choosing for each group of alternatives the
 * first one already chosen, else the first that is not excluded (a virtual package: its first
 * provider). A group whose alternatives are all excluded is dropped. Sorted by name.
 */
export function resolvePackages(roots: string[], exclude: string[], arch: string): DebInfo[] {
  const { native, all } = aptArchitectures();
  if (!all.includes(arch)) {
    throw new UserError(
      `cannot build for ${arch} from Debian packages: the host's apt only has ${all.join(', ')} ` +
        `(add it with "dpkg --add-architecture ${arch} && apt-get update", or build with --platforms linux/${native})`,
    );
  }
  const excluded = new Set(exclude);
  const chosen = new Set<string>();
  // Check every root exists before walking, so the error names the user's package.
  showCandidates(roots, arch, native);
  let frontier = roots.filter((n) => !excluded.has(n));
  for (const n of frontier) chosen.add(n);
  while (frontier.length > 0) {
    const deps = directDepends(frontier, arch, native);
    const next: string[] = [];
    for (const name of frontier) {
      for (const group of deps.get(name) ?? []) {
        const pick = chooseAlternative(group, excluded, chosen);
        if (pick === undefined) continue;
        chosen.add(pick);
        next.push(pick);
      }
    }
    frontier = next;
  }
  const infos = showCandidates([...chosen], arch, native);
  return [...infos.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The .deb for `info` in `cacheDir`, downloaded with `apt-get download` unless already there. */
export async function fetchDeb(info: DebInfo, cacheDir: string, arch: string, native: string): Promise<string> {
  mkdirSync(cacheDir, { recursive: true });
  const target = join(cacheDir, info.fileName);
  if (existsSync(target) && (await sha256File(target)) === info.sha256) {
    log.debug(`using cached ${info.fileName}`);
    return target;
  }
  log.info(`pkg: downloading ${info.name} ${info.version} (${info.size} bytes)`);
  // Download into a private directory, check, then rename: a killed download never lands.
  const tmp = mkdtempSync(join(cacheDir, '.download-'));
  try {
    const spec = `${qualify(info.name, arch, native)}=${info.version}`;
    await new Promise<void>((resolveP, reject) => {
      const child = spawn('apt-get', ['download', '-q', spec], { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolveP() : reject(new UserError(`apt-get download ${spec} failed: ${err.trim()}`))));
    });
    const files = readdirSync(tmp).filter((f) => f.endsWith('.deb'));
    if (files.length !== 1) throw new UserError(`apt-get download ${spec} produced ${files.length} files`);
    const got = join(tmp, files[0]!);
    const sum = await sha256File(got);
    if (info.sha256 && sum !== info.sha256) {
      throw new UserError(`downloaded ${files[0]} has sha256 ${sum}, apt expected ${info.sha256}`);
    }
    renameSync(got, target);
    return target;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
