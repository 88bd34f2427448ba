// A Debian kernel package laid out as a LinuxKit kernel image (lk:kernel/common/Dockerfile):
//   /kernel       the bootable image (Debian's /boot/vmlinuz-<ver>)
//   /kernel.tar   lib/modules/<ver>/… with only the requested modules and their dependencies
//                 (closure over modules.dep), the index files regenerated for that set by
//                 `depmod -b`, and boot/config-<ver> (the kernel's config)
//   /System.map   as LinuxKit's kernel images carry it
// LinuxKit's `build` copies /kernel to boot/kernel and unpacks kernel.tar at the root, so the
// config lands in /boot/config-<ver> and modprobe finds the modules in the running system.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError, type SourcePos } from '../util/errors.js';
import { log } from '../util/log.js';
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
}

export function parseModulesDep(depText: string, builtinText: string): ModuleDb {
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
  return { paths, deps, builtin };
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
  };
  for (const r of requested) {
    const name = moduleName(r);
    if (db.paths.has(name)) visit(name);
    else if (db.builtin.has(name)) builtin.add(name);
    else unknown.push(r);
  }
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

/** Builds the kernel image's tree from the unpacked Debian packages in `debs`. */
export async function kernelImage(debs: Rootfs, requested: string[], pos?: SourcePos): Promise<KernelResult> {
  const kernels = [...debs.entries.keys()].filter((p) => /^boot\/vmlinuz-[^/]+$/.test(p)).sort();
  if (kernels.length !== 1) {
    throw new UserError(`expected exactly one boot/vmlinuz-<version> in the Debian packages, found ${kernels.length}: ${kernels.join(', ')}`, pos);
  }
  const version = kernels[0]!.slice('boot/vmlinuz-'.length);
  const modDir = `lib/modules/${version}`;
  const text = (p: string): string => {
    const e = debs.entries.get(`${modDir}/${p}`);
    return e?.content ? readFileSync(e.content, 'utf8') : '';
  };
  const db = parseModulesDep(text('modules.dep'), text('modules.builtin'));
  if (db.paths.size === 0) throw new UserError(`the kernel package has no /${modDir}/modules.dep`, pos);
  const { modules, builtin } = moduleClosure(db, requested, pos);
  log.info(`pkg: kernel ${version}: ${modules.length} modules (${requested.length} requested${builtin.length ? `, built in: ${builtin.join(' ')}` : ''})`);

  // Lay the chosen modules out on disk and let depmod write the index files for exactly them.
  const work = mkdtempSync(join(tmpdir(), 'linuxkit-kernel-'));
  try {
    const base = join(work, 'root');
    const target = join(base, modDir);
    mkdirSync(target, { recursive: true });
    for (const m of modules) {
      const rel = db.paths.get(m)!;
      mkdirSync(dirname(join(target, rel)), { recursive: true });
      copyFileSync(fileOf(debs, `${modDir}/${rel}`).content!, join(target, rel));
    }
    // Files depmod reads but does not write: which modules are built in, and the module order
    // (filtered to our set; it makes depmod's output order deterministic).
    for (const f of ['modules.builtin', 'modules.builtin.modinfo']) {
      const e = debs.entries.get(`${modDir}/${f}`);
      if (e?.content) copyFileSync(e.content, join(target, f));
    }
    const keep = new Set(modules.map((m) => db.paths.get(m)!));
    const order = text('modules.order').split('\n').filter((l) => keep.has(l) || keep.has(l.replace(/\.o$/, '.ko')));
    writeFileSync(join(target, 'modules.order'), order.length ? order.join('\n') + '\n' : '');
    const sysmap = debs.entries.get(`boot/System.map-${version}`);
    const args = ['-b', base, ...(sysmap?.content ? ['-F', sysmap.content] : []), version];
    const r = spawnSync('depmod', args, { encoding: 'utf8' });
    if (r.error) throw new UserError(`cannot run depmod (Debian package kmod): ${r.error.message}`);
    if (r.status !== 0) throw new UserError(`depmod ${args.join(' ')} failed: ${r.stderr.trim()}`);
    if (r.stderr.trim()) log.warn(`depmod: ${r.stderr.trim()}`);

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
      image.addFile('kernel.tar', kernelTar, 0o644);
      if (sysmap?.content) image.addFile('System.map', sysmap.content, 0o644);
      return { fs: image, version, modules, builtin };
    } finally {
      ktar.dispose();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
