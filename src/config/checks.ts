// Checks beyond the schema: what LinuxKit finds only while building (bad modes, unknown
// capabilities, bad binds, unknown uid names, missing volumes...) or never (duplicate volumes
// across files), found here at load time with file:line:col. Each check returns every problem.
import { UserError, formatPos, type SourcePos } from '../util/index.js';
import { isCapabilityKeyword, isKnownCapability } from './capabilities.js';
import { imageRefProblem } from './image-ref.js';
import { joinPath, keyPos, sourcePath, sourcePos } from './positions.js';
import type { Config, FileEntry, ImageConfig, ImageEntry, Mount, VolumeEntry } from './types.js';
import { CONTAINER_SECTIONS } from './types.js';

/** LinuxKit's volume name rule (moby/config.go nameRE). */
export const VOLUME_NAME_RE = /^[a-z0-9_-]*$/;

/** The limits LinuxKit accepts in `rlimits`, with or without the RLIMIT_ prefix, any case (lk:moby/config.go:1026-1084). */
export const RLIMIT_NAMES: readonly string[] = [
  'RLIMIT_CPU',
  'RLIMIT_FSIZE',
  'RLIMIT_DATA',
  'RLIMIT_STACK',
  'RLIMIT_CORE',
  'RLIMIT_RSS',
  'RLIMIT_NPROC',
  'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK',
  'RLIMIT_AS',
  'RLIMIT_LOCKS',
  'RLIMIT_SIGPENDING',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
];
const RLIMITS = new Set(RLIMIT_NAMES);

/** Collects problems, each placed at a field of an object from the config. */
class Problems {
  readonly list: UserError[] = [];
  add(obj: object, key: string | number | undefined, message: string): void {
    const pos: SourcePos | undefined = sourcePos(obj, key);
    const base = sourcePath(obj) ?? '';
    const path = key === undefined ? base : joinPath(base, key);
    this.list.push(new UserError(path ? `${path}: ${message}` : message, pos));
  }
}

/** The `.add` keys LinuxKit ignores, each with the plain key that makes it ignored. */
const ADD_KEYS = [
  ['capabilities.add', 'capabilities'],
  ['binds.add', 'binds'],
] as const;

/**
 * Warnings for `.add` lists that LinuxKit ignores, and so do we: in YAML when the plain list is
 * set too (the plain list wins), in a label always (`label`: the image, for messages).
 */
export function ignoredAddWarnings(e: ImageConfig, label?: string): string[] {
  const out: string[] = [];
  for (const [add, plain] of ADD_KEYS) {
    if (e[add] === undefined) continue;
    if (label !== undefined) {
      out.push(`${label}: ${add} is ignored, as LinuxKit ignores it; give the whole list in ${plain}`);
    } else if (e[plain] !== undefined) {
      const pos = keyPos(e, add);
      const path = joinPath(sourcePath(e) ?? '', add);
      out.push(`${pos ? `${formatPos(pos)}: ` : ''}${path} is ignored because ${plain} is set too (LinuxKit uses the ${plain} list alone)`);
    }
  }
  return out;
}

/** Warnings for one file: what LinuxKit accepts but ignores. */
export function fileWarnings(c: Config): string[] {
  return CONTAINER_SECTIONS.flatMap((section) => (c[section] ?? []).flatMap((e) => ignoredAddWarnings(e)));
}

/** Checks that need only one file. */
export function checkFile(c: Config): UserError[] {
  const p = new Problems();
  if (c.kernel?.image) refCheck(p, c.kernel, 'image');
  c.init?.forEach((_, i) => refCheck(p, c.init!, i));
  for (const section of CONTAINER_SECTIONS) {
    for (const entry of c[section] ?? []) checkContainer(p, entry);
  }
  c.files?.forEach((f) => checkFileEntry(p, f));
  c.volumes?.forEach((v) => {
    if (!VOLUME_NAME_RE.test(v.name)) p.add(v, 'name', `invalid volume name "${v.name}": use only a-z, 0-9, - and _`);
    if (v.image) refCheck(p, v, 'image');
  });
  return p.list;
}

/** Checks on the merged config: names must be unique or must exist across all files. */
export function checkMerged(c: Config): UserError[] {
  const p = new Problems();
  // Service names are containerd ids and directory names: unique (LinuxKit's uniqueServices).
  // onboot/onshutdown directories are prefixed NNN-, so LinuxKit allows repeats there, and so do we.
  const services = new Map<string, ImageEntry>();
  for (const s of c.services ?? []) {
    const first = services.get(s.name);
    if (first) p.add(s, 'name', `duplicate service name "${s.name}"${at(first, 'name')}`);
    else services.set(s.name, s);
  }
  const volumes = new Map<string, VolumeEntry>();
  for (const v of c.volumes ?? []) {
    const first = volumes.get(v.name);
    if (first) p.add(v, 'name', `duplicate volume name "${v.name}"${at(first, 'name')}`);
    else volumes.set(v.name, v);
  }
  const containerNames = new Set<string>();
  for (const section of CONTAINER_SECTIONS) for (const e of c[section] ?? []) containerNames.add(e.name);
  const idCheck = (obj: object, key: string | number, id: unknown): void => {
    if (typeof id === 'number') {
      if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) p.add(obj, key, `id ${id} is out of range (0 to 4294967295)`);
    } else if (typeof id === 'string' && id !== '' && id !== 'root' && !containerNames.has(id)) {
      const hint = /^[0-9]+$/.test(id) ? '; for a numeric id write it without quotes' : '';
      p.add(obj, key, `"${id}" names no container (a uid/gid name means the id allocated to the onboot, onshutdown or service of that name${hint})`);
    }
  };
  for (const section of CONTAINER_SECTIONS) {
    for (const e of c[section] ?? []) {
      if (e.uid !== undefined) idCheck(e, 'uid', e.uid);
      if (e.gid !== undefined) idCheck(e, 'gid', e.gid);
      e.additionalGids?.forEach((g, i) => idCheck(e.additionalGids!, i, g));
      checkVolumeRefs(p, e, volumes);
    }
  }
  for (const f of c.files ?? []) {
    if (f.uid !== undefined) idCheck(f, 'uid', f.uid);
    if (f.gid !== undefined) idCheck(f, 'gid', f.gid);
  }
  return p.list;
}

function at(obj: object, key: string): string {
  const pos = sourcePos(obj, key);
  return pos ? ` (first at ${formatPos(pos)})` : '';
}

function refCheck(p: Problems, obj: object, key: string | number): void {
  const ref = (obj as Record<string | number, unknown>)[key];
  if (typeof ref !== 'string') return;
  if (ref.startsWith('@pkg:')) {
    p.add(obj, key, `"${ref}": @pkg: templates are resolved only in local files, not in stdin or URLs`);
    return;
  }
  const problem = imageRefProblem(ref);
  if (problem) p.add(obj, key, problem);
}

/** Checks on the container settings of an image's org.mobyproject.config label. */
export function checkLabel(label: ImageEntry): UserError[] {
  const p = new Problems();
  checkContainer(p, label);
  return p.list;
}

function checkContainer(p: Problems, e: ImageEntry): void {
  if (e.name === undefined) {
    // an image label: no name or image of its own
  } else if (e.name.includes('/') || e.name === '.' || e.name === '..' || e.name.includes('\0')) {
    p.add(e, 'name', `"${e.name}" cannot be a container name: it becomes a directory name under containers/`);
  }
  if (e.image !== undefined) refCheck(p, e, 'image');
  const capList = (key: 'capabilities' | 'capabilities.add' | 'ambient'): void => {
    const caps = e[key];
    if (!caps) return;
    caps.forEach((cap, i) => {
      if (isKnownCapability(cap)) return;
      if (isCapabilityKeyword(cap)) {
        if (caps.length !== 1) p.add(caps, i, `"${cap}" must be the only item of ${key}`);
        return;
      }
      const upper = 'CAP_' + cap.toUpperCase().replace(/^CAP_/, '');
      const hint = isKnownCapability(upper) ? ` (did you mean "${upper}"?)` : '';
      p.add(caps, i, `unknown capability "${cap}"${hint}: use the CAP_ names of capabilities(7), or "all"/"none" alone`);
    });
  };
  capList('capabilities');
  capList('capabilities.add');
  capList('ambient');
  for (const key of ['binds', 'binds.add'] as const) {
    e[key]?.forEach((b, i) => {
      const parts = b.split(':');
      if (parts.length < 2) return p.add(e[key]!, i, `cannot parse bind "${b}": expected source:destination[:options]`);
      if (parts.length > 3) return p.add(e[key]!, i, `cannot parse bind "${b}": too many ':'`);
      if (parts[0] === '') p.add(e[key]!, i, `bind "${b}" has an empty source (an absolute path, or a volume name)`);
      if (!parts[1]!.startsWith('/')) p.add(e[key]!, i, `bind destination "${parts[1]}" must be an absolute path`);
    });
  }
  e.tmpfs?.forEach((t, i) => {
    const parts = t.split(':');
    if (parts.length > 2) return p.add(e.tmpfs!, i, `cannot parse tmpfs "${t}": too many ':' (expected /destination[:options])`);
    if (!parts[0]!.startsWith('/')) p.add(e.tmpfs!, i, `tmpfs destination "${parts[0]}" must be an absolute path`);
  });
  e.mounts?.forEach((m) => checkMount(p, m));
  e.runtime?.mounts?.forEach((m) => checkMount(p, m));
  e.devices?.forEach((d) => {
    if (d.path === 'all') return;
    if (d.mode === undefined) p.add(d, undefined, 'a device needs a mode, e.g. mode: "0666"');
    else modeCheck(p, d, 'mode', d.mode);
    if (d.path !== undefined && !d.path.startsWith('/')) p.add(d, 'path', `device path "${d.path}" must be absolute (or "all")`);
  });
  e.rlimits?.forEach((r, i) => {
    const parts = r.split(',');
    if (parts.length !== 3) return p.add(e.rlimits!, i, `cannot parse rlimit "${r}": expected name,soft,hard (e.g. nofile,1024,4096)`);
    let name = parts[0]!.trim().toUpperCase();
    if (!name.startsWith('RLIMIT_')) name = 'RLIMIT_' + name;
    if (!RLIMITS.has(name)) p.add(e.rlimits!, i, `unknown rlimit "${parts[0]!.trim()}"`);
    for (const v of parts.slice(1).map((s) => s.trim())) {
      if (v.toLowerCase() !== 'unlimited' && !/^[0-9]+$/.test(v)) p.add(e.rlimits!, i, `rlimit value "${v}" is not a number or "unlimited"`);
    }
  });
}

function checkMount(p: Problems, m: Mount): void {
  // A relative destination is allowed: runc and LinuxKit's init take it relative to the rootfs
  // (LinuxKit's own examples use one), so only the defaults LinuxKit fills in are checked.
  const defaultsType = m.type || ['mqueue', 'devpts', 'proc', 'sysfs', 'cgroup'].includes(m.source ?? '') || m.destination === '/dev';
  if (!defaultsType) p.add(m, undefined, 'mount has no type (give type:, e.g. bind or tmpfs)');
  const hasDest = m.destination || ['proc', 'devpts', 'sysfs', 'cgroup', 'mqueue'].includes(m.type || m.source || '');
  if (defaultsType && !hasDest) p.add(m, undefined, `mount of type ${m.type} has no destination`);
}

/** Binds and bind mounts whose source does not start with / name a volume (as LinuxKit's build). */
function checkVolumeRefs(p: Problems, e: ImageEntry, volumes: Map<string, VolumeEntry>): void {
  for (const key of ['binds', 'binds.add'] as const) {
    e[key]?.forEach((b, i) => {
      const parts = b.split(':');
      const src = parts[0]!;
      if (parts.length < 2 || parts.length > 3 || src === '' || src.startsWith('/')) return;
      const vol = volumes.get(src);
      if (!vol) return p.add(e[key]!, i, `bind source "${src}" is not an absolute path, so it names a volume, but there is no volume "${src}"`);
      if (vol.readonly && parts[2] !== 'ro') p.add(e[key]!, i, `volume "${src}" is read-only: bind it with the option ro ("${src}:${parts[1]}:ro")`);
    });
  }
  e.mounts?.forEach((m) => {
    if (m.type !== 'bind' || !m.source || m.source.startsWith('/')) return;
    const vol = volumes.get(m.source);
    if (!vol) return p.add(m, 'source', `bind mount source "${m.source}" is not an absolute path, so it names a volume, but there is no volume "${m.source}"`);
    if (vol.readonly) {
      const opt = (m.options ?? []).find((o) => o === 'ro' || o === 'rw');
      if (opt !== 'ro') p.add(m, 'options', `volume "${m.source}" is read-only: mount it with the option ro`);
    }
  });
}

/**
 * Why a `files:` path cannot name a place in the image, or undefined. LinuxKit strips one leading
 * `/` and writes the rest as the tar member's name, so `../../etc/x` or `//etc/x` would become
 * members outside the root (the same names are refused in a layer). One leading `/` and a
 * trailing `/` are accepted, as LinuxKit's own configs use them.
 */
export function filePathProblem(path: string): string | undefined {
  const rel = path.replace(/^\//, '').replace(/\/$/, '');
  if (rel === '') return 'a file needs a path';
  const parts = rel.split('/');
  if (parts.includes('..')) return `"${path}" has a ".." component: a file must stay inside the image's root`;
  if (parts.includes(''))
    return `"${path}" has an empty component ("//"): write it as ${rel
      .split('/')
      .filter((x) => x)
      .join('/')}`;
  if (parts.includes('.')) return `"${path}" has a "." component: write it as ${parts.filter((x) => x !== '.').join('/')}`;
  return undefined;
}

function checkFileEntry(p: Problems, f: FileEntry): void {
  const pathProblem = filePathProblem(f.path);
  if (pathProblem) p.add(f, 'path', pathProblem);
  const kinds: string[] = [];
  if (f.contents !== undefined) kinds.push('contents');
  if (f.source) kinds.push('source');
  if (f.symlink) kinds.push('symlink');
  if (f.directory) kinds.push('directory');
  if (f.metadata) kinds.push('metadata');
  if (kinds.length > 1) p.add(f, kinds[1]!, `give only one of contents, source, symlink, directory, metadata (this entry has ${kinds.join(' and ')})`);
  if (kinds.length === 0) p.add(f, undefined, `nothing to write at "${f.path}": give one of contents, source, symlink, directory: true, metadata`);
  if (f.mode !== undefined) modeCheck(p, f, 'mode', f.mode);
}

function modeCheck(p: Problems, obj: object, key: string, mode: string): void {
  if (!/^[0-7]+$/.test(mode)) p.add(obj, key, `mode "${mode}" is not an octal number (e.g. "0644")`);
  else if (parseInt(mode, 8) > 0o7777) p.add(obj, key, `mode "${mode}" is larger than 07777`);
}
