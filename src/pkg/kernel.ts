// A Debian kernel package laid out as a LinuxKit kernel image (lk:kernel/common/Dockerfile):
//   /kernel       the bootable image (Debian's /boot/vmlinuz-<ver>)
//   /kernel.tar   lib/modules/<ver>/… with only the requested modules and their dependencies
//                 (closure over modules.dep), the index files regenerated for that set by
//                 `depmod -b`, and boot/config-<ver> (the kernel's config)
//   (no System.map: Debian's is an 83-byte placeholder; the real one is in the -dbg package)
// LinuxKit's `build` copies /kernel to boot/kernel and unpacks kernel.tar at the root, so the
// config lands in /boot/config-<ver> and modprobe finds the modules in the running system.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError, type SourcePos } from '../util/index.js';
import { log } from '../util/index.js';
import { writeTarFile } from './layer.js';
import { Rootfs, type FsEntry } from './rootfs.js';

/** modprobe treats "-" and "_" in module names alike. */
export function moduleName(s: string): string {
  return s.replace(/-/g, '_');
}

/** "kernel/drivers/net/virtio_net.ko.xz" → "virtio_net". */
function nameOfPath(p: string): string {
  return moduleName(p.split('/').pop()!.replace(/\.ko(\.(xz|gz|zst))?$/, ''));
}

export interface ModuleDb {
  /** module name → path relative to lib/modules/<ver>. */
  paths: Map<string, string>;
  /** module name → names of the modules it needs (modules.dep lists them transitively). */
  deps: Map<string, string[]>;
  builtin: Set<string>;
  /** Exact (wildcard-free) aliases from modules.alias: "iso9660" → "isofs". */
  aliases: Map<string, string[]>;
  /** module → the names (or aliases) modules.softdep says modprobe loads with it (pre: and post:). */
  softdeps: Map<string, string[]>;
}

export function parseModulesDep(depText: string, builtinText: string, aliasText = '', softdepText = ''): ModuleDb {
  const paths = new Map<string, string>();
  const deps = new Map<string, string[]>();
  for (const line of depText.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const path = line.slice(0, i).trim();
    const name = nameOfPath(path);
    paths.set(name, path);
    deps.set(name, line.slice(i + 1).trim().split(/\s+/).filter(Boolean).map(nameOfPath));
  }
  const builtin = new Set(builtinText.split('\n').filter(Boolean).map(nameOfPath));
  const aliases = new Map<string, string[]>();
  for (const line of aliasText.split('\n')) {
    const m = /^alias (\S+) (\S+)$/.exec(line);
    if (!m || /[*?[]/.test(m[1]!)) continue;
    const key = moduleName(m[1]!);
    aliases.set(key, [...(aliases.get(key) ?? []), moduleName(m[2]!)]);
  }
  const softdeps = new Map<string, string[]>();
  for (const line of softdepText.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'softdep' || words.length < 3) continue;
    const key = moduleName(words[1]!);
    const names = words.slice(2).filter((w) => w !== 'pre:' && w !== 'post:').map(moduleName);
    softdeps.set(key, [...(softdeps.get(key) ?? []), ...names]);
  }
  return { paths, deps, builtin, aliases, softdeps };
}

/**
 * The requested modules with everything they depend on, sorted. Built-in modules need nothing;
 * a name that is neither a module nor built in is a UserError naming it.
 */
export function moduleClosure(db: ModuleDb, requested: string[], pos?: SourcePos): { modules: string[]; builtin: string[] } {
  const out = new Set<string>();
  const builtin = new Set<string>();
  const unknown: string[] = [];
  const visit = (name: string): void => {
    if (out.has(name)) return;
    out.add(name);
    for (const d of db.deps.get(name) ?? []) visit(d);
    // modprobe also loads soft dependencies when they exist (e.g. libcrc32c → crc32c).
    for (const s of db.softdeps.get(name) ?? []) lookup(s);
  };
  /** A module name or alias → the modules modprobe would load for it; false if none. */
  const lookup = (name: string): boolean => {
    if (db.paths.has(name)) {
      visit(name);
      return true;
    }
    if (db.builtin.has(name)) {
      builtin.add(name);
      return true;
    }
    // What modprobe would load for an alias (e.g. iso9660 → isofs): every module it names.
    const targets = (db.aliases.get(name) ?? []).filter((t) => db.paths.has(t) || db.builtin.has(t));
    for (const t of targets) lookup(t);
    return targets.length > 0;
  };
  for (const r of requested) if (!lookup(moduleName(r))) unknown.push(r);
  if (unknown.length > 0) throw new UserError(`kernel.modules: no such module in this kernel: ${unknown.join(', ')}`, pos);
  return { modules: [...out].sort(), builtin: [...builtin].sort() };
}

export interface KernelResult {
  fs: Rootfs;
  version: string;
  modules: string[];
  builtin: string[];
}

function fileOf(fs: Rootfs, path: string): FsEntry {
  const e = fs.entries.get(path);
  if (!e || e.type !== 'file' || !e.content) throw new UserError(`the kernel package has no /${path}`);
  return e;
}

/** Hard-links (or copies, across filesystems) a staged file to `dest`. */
function place(src: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  try {
    linkSync(src, dest);
  } catch {
    copyFileSync(src, dest);
  }
}

function runDepmod(base: string, version: string): void {
  const r = spawnSync('depmod', ['-b', base, version], { encoding: 'utf8' });
  if (r.error) throw new UserError(`cannot run depmod (Debian package kmod): ${r.error.message}`, undefined, { cause: r.error });
  if (r.status !== 0) throw new UserError(`depmod -b ${base} ${version} failed: ${r.stderr.trim()}`);
  if (r.stderr.trim()) log.warn(`depmod: ${r.stderr.trim()}`);
}

/**
 * Lays out the given files of lib/modules/<ver> (paths relative to it) under `base`, plus the
 * files depmod reads but does not write (modules.builtin*, and modules.order filtered to the
 * set, which also fixes depmod's output order), then runs depmod there.
 */
function depmodTree(debs: Rootfs, base: string, version: string, modulePaths: string[]): void {
  const modDir = `lib/modules/${version}`;
  const target = join(base, modDir);
  mkdirSync(target, { recursive: true });
  for (const rel of modulePaths) place(fileOf(debs, `${modDir}/${rel}`).content!, join(target, rel));
  for (const f of ['modules.builtin', 'modules.builtin.modinfo']) {
    const e = debs.entries.get(`${modDir}/${f}`);
    if (e?.content) copyFileSync(e.content, join(target, f));
  }
  const keep = new Set(modulePaths);
  const orderEntry = debs.entries.get(`${modDir}/modules.order`);
  const order = orderEntry?.content ? readFileSync(orderEntry.content, 'utf8').split('\n').filter((l) => keep.has(l)) : [];
  writeFileSync(join(target, 'modules.order'), order.length ? order.join('\n') + '\n' : '');
  runDepmod(base, version);
}

/** Builds the kernel image's tree from the unpacked Debian packages in `debs`. */
export async function kernelImage(debs: Rootfs, requested: string[], pos?: SourcePos): Promise<KernelResult> {
  const kernels = [...debs.entries.keys()].filter((p) => /^boot\/vmlinuz-[^/]+$/.test(p)).sort();
  if (kernels.length !== 1) {
    throw new UserError(`expected exactly one boot/vmlinuz-<version> in the Debian packages, found ${kernels.length}: ${kernels.join(', ')}`, pos);
  }
  const version = kernels[0]!.slice('boot/vmlinuz-'.length);
  const modDir = `lib/modules/${version}`;
  const allModules = [...debs.entries.keys()]
    .filter((p) => p.startsWith(modDir + '/') && /\.ko(\.(xz|gz|zst))?$/.test(p))
    .map((p) => p.slice(modDir.length + 1))
    .sort();
  if (allModules.length === 0) throw new UserError(`the kernel package has no modules under /${modDir}`, pos);

  const work = mkdtempSync(join(tmpdir(), 'linuxkit-kernel-'));
  try {
    // Debian ships no modules.dep (its postinst runs depmod): make one for the whole set first.
    const full = join(work, 'full');
    depmodTree(debs, full, version, allModules);
    const db = parseModulesDep(
      readFileSync(join(full, modDir, 'modules.dep'), 'utf8'),
      existsSync(join(full, modDir, 'modules.builtin')) ? readFileSync(join(full, modDir, 'modules.builtin'), 'utf8') : '',
      readFileSync(join(full, modDir, 'modules.alias'), 'utf8'),
      readFileSync(join(full, modDir, 'modules.softdep'), 'utf8'),
    );
    const { modules, builtin } = moduleClosure(db, requested, pos);
    log.info(`pkg: kernel ${version}: ${modules.length} of ${allModules.length} modules (${requested.length} requested${builtin.length ? `; built in: ${builtin.join(' ')}` : ''})`);

    // Then the chosen modules alone, with index files that describe exactly them.
    const base = join(work, 'root');
    depmodTree(debs, base, version, modules.map((m) => db.paths.get(m)!));

    const ktar = new Rootfs();
    try {
      ktar.addTree(base, '');
      const config = debs.entries.get(`boot/config-${version}`);
      if (config?.content) ktar.addFile(`boot/config-${version}`, config.content, 0o644);
      else log.warn(`the kernel package has no /boot/config-${version}`);
      const image = new Rootfs();
      const kernelTar = image.stagingFile();
      await writeTarFile(ktar.tarStream(), kernelTar);
      image.addFile('kernel', fileOf(debs, kernels[0]!).content!, 0o644);
      image.set({ path: 'kernel.tar', type: 'file', mode: 0o644, uid: 0, gid: 0, size: statSync(kernelTar).size, content: kernelTar });
      return { fs: image, version, modules, builtin };
    } finally {
      ktar.dispose();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
