// A package's build.yml: LinuxKit's fields (lk:src/cmd/linuxkit/pkglib/pkglib.go, pkgInfo) with
// their defaults, plus this project's daemonless additions (debian, copy, concat, remove, symlinks,
// entrypoint, cmd, env, workdir, kernel), documented in docs/pkg.md. Unknown fields are an
// error, as LinuxKit decodes with KnownFields(true); errors carry file:line:col.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { UserError, type SourcePos } from '../util/index.js';

export interface CopySpec {
  src: string;
  dst: string;
  /** Octal permission bits; default: the source file's (0755 or 0644, as git records them). */
  mode?: number;
}

export interface SymlinkSpec {
  path: string;
  target: string;
}

/** Files of one image directory joined into one file (what update-ca-certificates would make). */
export interface ConcatSpec {
  /** A directory in the image: its regular files, in name order, each ending with a newline. */
  src: string;
  dst: string;
}

export interface DebianSpec {
  /** Debian package names, resolved with their Depends/Pre-Depends by the host's apt. */
  packages: string[];
  /** Packages (or virtual packages) never to pull in, even as a dependency. */
  exclude: string[];
}

export interface KernelSpec {
  /** Debian's binary kernel (with `debian:`): modules (names as modprobe takes them) to keep in kernel.tar, with their dependencies. */
  modules?: string[];
  /** A kernel built from a Debian kernel source package, pinned to an exact version (src/pkg/kernel-build.ts). */
  source?: { package: string; version: string };
  /** Architecture → config fragment, a file of the package (src/pkg/kconfig.ts). */
  config?: Record<string, string>;
}

export interface BuildYml {
  file: string;
  // LinuxKit's fields
  image: string;
  org: string;
  tag: string;
  dockerfile: string;
  arches: string[];
  extraSources: string[];
  gitrepo: string;
  network: boolean;
  disableCache: boolean;
  /** The org.mobyproject.config label, as written (an ImageConfig of LinuxKit's YAML). */
  config?: Record<string, unknown>;
  buildArgs?: string[];
  depends?: Record<string, unknown>;
  // daemonless additions
  debian?: DebianSpec;
  copy: CopySpec[];
  concat: ConcatSpec[];
  remove: string[];
  symlinks: SymlinkSpec[];
  /** Empty directories (0755, root) the image must have: mount points on a read-only root. */
  directories: string[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workdir?: string;
  kernel?: KernelSpec;
  /** Path of a busybox binary in the image: add a link for each of its applets (src/pkg/busybox.ts). */
  busyboxLinks?: string;
  /** Where each top-level key was written, for later errors. */
  positions: Record<string, SourcePos>;
}

/** LinuxKit's defaults (NewPkgInfo). */
export const DEFAULT_ORG = 'linuxkit';
export const DEFAULT_ARCHES = ['amd64', 'arm64', 'riscv64'];
export const DEFAULT_TAG_TEMPLATE = '{{.Hash}}';
export const DEFAULT_GITREPO = 'https://github.com/linuxkit/linuxkit';
export const DEFAULT_DOCKERFILE = 'Dockerfile';
export const DEFAULT_BUILD_YML = 'build.yml';

const LINUXKIT_KEYS = [
  'image', 'org', 'tag', 'dockerfile', 'arches', 'extra-sources', 'gitrepo', 'network',
  'disable-cache', 'config', 'buildArgs', 'depends',
];
const OUR_KEYS = ['debian', 'copy', 'concat', 'remove', 'symlinks', 'directories', 'entrypoint', 'cmd', 'env', 'workdir', 'kernel', 'busybox-links'];

export function loadBuildYml(file: string): BuildYml {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
  return parseBuildYml(text, file);
}

export function parseBuildYml(text: string, file: string): BuildYml {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const posOf = (node: Node | null | undefined): SourcePos => {
    const off = node?.range?.[0] ?? 0;
    const p = lc.linePos(off);
    return { file, line: p.line, col: p.col };
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const p = lc.linePos(e.pos[0]);
    throw new UserError(e.message.split('\n')[0]!, { file, line: p.line, col: p.col }, { cause: e });
  }
  const root = doc.contents;
  if (!isMap(root)) throw new UserError('build.yml must be a mapping', posOf(root as Node | null));

  const out: BuildYml = {
    file,
    image: '',
    org: DEFAULT_ORG,
    tag: DEFAULT_TAG_TEMPLATE,
    dockerfile: DEFAULT_DOCKERFILE,
    arches: [...DEFAULT_ARCHES],
    extraSources: [],
    gitrepo: DEFAULT_GITREPO,
    network: false,
    disableCache: false,
    copy: [],
    concat: [],
    remove: [],
    symlinks: [],
    directories: [],
    positions: {},
  };

  const str = (n: Node | null | undefined, what: string): string => {
    if (isScalar(n) && (typeof n.value === 'string' || typeof n.value === 'number')) return String(n.value);
    throw new UserError(`${what} must be a string`, posOf(n));
  };
  const bool = (n: Node | null | undefined, what: string): boolean => {
    if (isScalar(n) && typeof n.value === 'boolean') return n.value;
    throw new UserError(`${what} must be true or false`, posOf(n));
  };
  const strList = (n: Node | null | undefined, what: string): string[] => {
    if (!isSeq(n)) throw new UserError(`${what} must be a list of strings`, posOf(n));
    return n.items.map((item, i) => str(item as Node, `${what}[${i}]`));
  };
  const fields = (n: Node | null | undefined, what: string, allowed: string[], required: string[]): Map<string, Node> => {
    if (!isMap(n)) throw new UserError(`${what} must be a mapping`, posOf(n));
    const m = new Map<string, Node>();
    for (const pair of n.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!allowed.includes(key)) {
        throw new UserError(`${what}: unknown field "${key}" (allowed: ${allowed.join(', ')})`, posOf(pair.key as Node));
      }
      m.set(key, pair.value as Node);
    }
    for (const r of required) if (!m.has(r)) throw new UserError(`${what}: "${r}" is required`, posOf(n));
    return m;
  };

  for (const pair of root.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    const v = pair.value as Node | null;
    out.positions[key] = posOf(keyNode);
    switch (key) {
      case 'image': out.image = str(v, key); break;
      case 'org': out.org = str(v, key); break;
      case 'tag': out.tag = str(v, key); break;
      case 'dockerfile': out.dockerfile = str(v, key); break;
      case 'arches': out.arches = strList(v, key); break;
      case 'extra-sources': out.extraSources = strList(v, key); break;
      case 'gitrepo': out.gitrepo = str(v, key); break;
      case 'network': out.network = bool(v, key); break;
      case 'disable-cache': out.disableCache = bool(v, key); break;
      case 'buildArgs': out.buildArgs = strList(v, key); break;
      case 'config':
      case 'depends': {
        if (!isMap(v)) throw new UserError(`${key} must be a mapping`, posOf(v));
        if (key === 'config') stringFieldsAsWritten(v);
        out[key] = v.toJSON() as Record<string, unknown>;
        break;
      }
      case 'debian': {
        const f = fields(v, 'debian', ['packages', 'exclude'], ['packages']);
        const packages = strList(f.get('packages'), 'debian.packages');
        if (packages.length === 0) throw new UserError('debian.packages must name at least one package', posOf(f.get('packages')));
        out.debian = { packages, exclude: f.has('exclude') ? strList(f.get('exclude'), 'debian.exclude') : [] };
        break;
      }
      case 'copy': {
        if (!isSeq(v)) throw new UserError('copy must be a list', posOf(v));
        out.copy = v.items.map((item, i) => {
          const f = fields(item as Node, `copy[${i}]`, ['src', 'dst', 'mode'], ['src', 'dst']);
          const spec: CopySpec = { src: str(f.get('src'), `copy[${i}].src`), dst: str(f.get('dst'), `copy[${i}].dst`) };
          if (f.has('mode')) spec.mode = parseMode(f.get('mode')!, `copy[${i}].mode`, posOf, text);
          if (spec.src.startsWith('/') || spec.src.split('/').includes('..')) {
            throw new UserError(`copy[${i}].src must be a path inside the package directory`, posOf(f.get('src')));
          }
          return spec;
        });
        break;
      }
      case 'concat': {
        if (!isSeq(v)) throw new UserError('concat must be a list', posOf(v));
        out.concat = v.items.map((item, i) => {
          const f = fields(item as Node, `concat[${i}]`, ['src', 'dst'], ['src', 'dst']);
          return { src: str(f.get('src'), `concat[${i}].src`), dst: str(f.get('dst'), `concat[${i}].dst`) };
        });
        break;
      }
      case 'remove': out.remove = strList(v, key); break;
      case 'directories': out.directories = strList(v, key); break;
      case 'symlinks': {
        if (!isSeq(v)) throw new UserError('symlinks must be a list', posOf(v));
        out.symlinks = v.items.map((item, i) => {
          const f = fields(item as Node, `symlinks[${i}]`, ['path', 'target'], ['path', 'target']);
          return { path: str(f.get('path'), `symlinks[${i}].path`), target: str(f.get('target'), `symlinks[${i}].target`) };
        });
        break;
      }
      case 'entrypoint': out.entrypoint = strList(v, key); break;
      case 'cmd': out.cmd = strList(v, key); break;
      case 'env': out.env = strList(v, key); break;
      case 'workdir': out.workdir = str(v, key); break;
      case 'busybox-links': out.busyboxLinks = str(v, key); break;
      case 'kernel': {
        const f = fields(v, 'kernel', ['modules', 'source', 'version', 'config'], []);
        if (f.has('modules') === f.has('source')) {
          throw new UserError('kernel: needs either "modules" (a Debian binary kernel) or "source", "version" and "config" (a kernel built from source)', posOf(v));
        }
        if (f.has('modules')) {
          for (const k of ['version', 'config']) if (f.has(k)) throw new UserError(`kernel.${k} is for a kernel built from source, not with "modules"`, posOf(f.get(k)));
          out.kernel = { modules: strList(f.get('modules'), 'kernel.modules') };
          break;
        }
        for (const k of ['version', 'config']) if (!f.has(k)) throw new UserError(`kernel: "${k}" is required with "source"`, posOf(v));
        const configNode = f.get('config');
        if (!isMap(configNode)) throw new UserError('kernel.config must map each architecture to a config fragment, e.g. "amd64: config-x86_64"', posOf(configNode));
        const config: Record<string, string> = {};
        for (const pair of configNode.items) {
          const arch = isScalar(pair.key) ? String(pair.key.value) : '';
          const file = str(pair.value as Node, `kernel.config.${arch}`);
          if (file.startsWith('/') || file.split('/').includes('..')) throw new UserError(`kernel.config.${arch} must be a file inside the package directory`, posOf(pair.value as Node));
          config[arch] = file;
        }
        out.kernel = { source: { package: str(f.get('source'), 'kernel.source'), version: str(f.get('version'), 'kernel.version') }, config };
        break;
      }
      default:
        throw new UserError(
          `unknown field "${key}" (LinuxKit's: ${LINUXKIT_KEYS.join(', ')}; daemonless: ${OUR_KEYS.join(', ')})`,
          posOf(keyNode),
        );
    }
  }
  if (!out.image) throw new UserError('Image field is required', { file, line: 1, col: 1 });
  if (out.kernel?.modules && !out.debian) {
    throw new UserError('kernel: needs a debian: block naming the kernel package', out.positions.kernel);
  }
  if (out.kernel?.source) {
    if (out.debian) throw new UserError('kernel.source: a kernel built from source takes no debian: block (its source package is kernel.source)', out.positions.debian);
    const missing = out.arches.filter((a) => !out.kernel!.config![a]);
    if (missing.length > 0) throw new UserError(`kernel.config: no config fragment for ${missing.join(', ')} (listed in arches)`, out.positions.kernel);
  }
  return out;
}

function parseMode(n: Node, what: string, posOf: (n: Node) => SourcePos, text: string): number {
  // "0755" (string, octal) or 0o755 / 493 (number as YAML gives it).
  if (isScalar(n) && typeof n.value === 'string' && /^0?[0-7]{3,4}$/.test(n.value)) return parseInt(n.value, 8);
  if (isScalar(n) && typeof n.value === 'number' && Number.isInteger(n.value) && n.value >= 0 && n.value <= 0o7777) {
    // YAML 1.2 reads 0755 as decimal 755; treat an all-octal-digit literal as octal, as users mean.
    const src = n.range ? text.slice(n.range[0], n.range[1]) : String(n.value);
    return /^0[0-7]+$/.test(src) ? parseInt(src, 8) : n.value;
  }
  throw new UserError(`${what} must be an octal mode such as "0755"`, posOf(n));
}

/** True for packages built here without a container engine. */
export function isDaemonless(y: BuildYml): boolean {
  return y.debian !== undefined || y.kernel?.source !== undefined;
}

// The fields of LinuxKit's ImageConfig that are Go strings (alone, in lists, as map values).
const STRING_FIELDS = new Set(['cwd', 'net', 'pid', 'ipc', 'uts', 'userns', 'hostname', 'rootfsPropagation', 'cgroupsPath']);
const STRING_LISTS = new Set(['capabilities', 'capabilities.add', 'ambient', 'binds', 'binds.add', 'tmpfs', 'command', 'env', 'maskedPaths', 'readonlyPaths', 'rlimits']);
const STRING_MAPS = new Set(['sysctl', 'annotations']);
const DEVICE_STRINGS = new Set(['path', 'type', 'mode']);

/**
 * LinuxKit reads build.yml's `config` into Go structs with yaml.v3, which stores any scalar
 * written where a string field is as the text written: `mode: 0666` (as LinuxKit's own getty
 * build.yml has it) becomes "0666", `command: [sleep, 10]` becomes ["sleep", "10"]. The label
 * must carry the same strings, so such scalars are turned into their source text here.
 */
function stringFieldsAsWritten(config: YAMLMap): void {
  const asWritten = (n: unknown): void => {
    if (isScalar(n) && typeof n.value !== 'string' && n.value !== null && n.source !== undefined) n.value = n.source;
  };
  for (const pair of config.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const v = pair.value;
    if (STRING_FIELDS.has(key)) asWritten(v);
    else if (STRING_LISTS.has(key) && isSeq(v)) v.items.forEach(asWritten);
    else if (STRING_MAPS.has(key) && isMap(v)) v.items.forEach((p) => asWritten(p.value));
    else if (key === 'devices' && isSeq(v)) {
      for (const d of v.items) {
        if (isMap(d)) for (const p of d.items) if (isScalar(p.key) && DEVICE_STRINGS.has(String(p.key.value))) asWritten(p.value);
      }
    }
  }
}
