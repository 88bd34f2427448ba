// `pkg build` for one package: daemonless (build.yml has a `debian:` block) → Debian packages
// fetched with the host's apt, unpacked, edited (lean.ts, concat/remove/copy/symlinks), written as one
// deterministic layer into the image store under docker.io/org/image:tag. A Dockerfile package
// is built by a Docker engine (dockerfile.ts).
import { appendFileSync, existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LayoutStore } from '../oci/index.js';
import { normalizeEntryPath } from '../tar/index.js';
import type { ImageStore } from '../oci/index.js';
import type { Descriptor, Platform } from '../oci/index.js';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { aptArchitectures, defaultDebCacheDir, fetchDeb, resolvePackages, showVersion, type DebInfo } from './apt.js';
import { isDaemonless } from './buildyml.js';
import { storeImage, runtimeConfig, type PlatformImage } from './image.js';
import { addAppletLinks, listApplets } from './busybox.js';
import { buildDockerfilePackage } from './dockerfile.js';
import { kernelImage } from './kernel.js';
import { buildKernel } from './kernel-build.js';
import { sourceKernelImage } from './kernel-source.js';
import { writeLayer } from './layer.js';
import { canonicalRef, shortRef, type Package } from './package.js';
import { dropUnneeded } from './lean.js';
import { addDeb, Rootfs } from './rootfs.js';

export interface BuildOptions {
  force?: boolean;
  /** "linux/amd64,linux/arm64" style; default: the package's arches the host's apt can build. */
  platforms?: string;
  skipPlatforms?: string;
  sbom?: boolean;
  debCache?: string;
  // Dockerfile packages only (LinuxKit's flags of the same names)
  dockerfile?: string;
  buildArgFiles?: string[];
  sbomScanner?: string;
  progress?: string;
  ssh?: string[];
}

export interface BuildResult {
  ref: string;
  descriptor: Descriptor;
  /** Compressed layer bytes over all platforms. */
  size: number;
  skipped: boolean;
}

/** Parses "linux/amd64,arm64" into platforms (os defaults to linux). */
export function parsePlatforms(s: string): Platform[] {
  return s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const parts = p.split('/');
      if (parts.length === 1) return { os: 'linux', architecture: parts[0]! };
      if (parts.length === 2 || parts.length === 3) {
        const plat: Platform = { os: parts[0]!, architecture: parts[1]! };
        if (parts[2]) plat.variant = parts[2];
        return plat;
      }
      throw new UserError(`bad platform "${p}": expected os/arch[/variant]`);
    });
}

/** Which platforms to build a Debian package for. */
function choosePlatforms(pkg: Package, opts: BuildOptions): Platform[] {
  const skip = new Set(parsePlatforms(opts.skipPlatforms ?? '').map((p) => p.architecture));
  if (opts.platforms) {
    const wanted = parsePlatforms(opts.platforms).filter((p) => !skip.has(p.architecture));
    for (const p of wanted) {
      if (p.os !== 'linux') throw new UserError(`cannot build ${p.os}/${p.architecture}: only linux images are built`);
      if (!pkg.yml.arches.includes(p.architecture)) {
        throw new UserError(`${shortRef(pkg)} does not support ${p.architecture} (arches: ${pkg.yml.arches.join(', ')})`, pkg.yml.positions.arches);
      }
    }
    return wanted; // an arch the host's apt lacks is an error later, naming it
  }
  const { all } = aptArchitectures();
  const can = pkg.yml.arches.filter((a) => all.includes(a) && !skip.has(a));
  const cannot = pkg.yml.arches.filter((a) => !all.includes(a) && !skip.has(a));
  if (cannot.length > 0) log.info(`pkg: ${shortRef(pkg)}: skipping ${cannot.join(', ')} (the host's apt has only ${all.join(', ')})`);
  if (can.length === 0) {
    throw new UserError(`${shortRef(pkg)}: none of its arches (${pkg.yml.arches.join(', ')}) can be built with the host's apt (${all.join(', ')})`);
  }
  return can.map((architecture) => ({ os: 'linux', architecture }));
}

export async function buildPackage(pkg: Package, store: ImageStore, opts: BuildOptions = {}): Promise<BuildResult> {
  const ref = canonicalRef(pkg);
  if (!opts.force) {
    const existing = await store.resolve(ref);
    if (existing) {
      log.info(`pkg: ${shortRef(pkg)} is already in the cache (use --force to rebuild)`);
      return { ref, descriptor: existing, size: 0, skipped: true };
    }
  }
  if (!isDaemonless(pkg.yml)) return buildWithDocker(pkg, store, opts);
  const platforms = choosePlatforms(pkg, opts);
  const images: PlatformImage[] = [];
  for (const platform of platforms) images.push(await buildPlatform(pkg, platform, store, opts));
  const descriptor = await storeImage(store, ref, images, opts.sbom ?? true);
  const size = images.reduce((n, i) => n + i.layer.descriptor.size, 0);
  return { ref, descriptor, size, skipped: false };
}

/** The image's tree before remove/copy/links, and the Debian packages it came from (for the SBOM). */
async function baseTree(pkg: Package, arch: string, opts: BuildOptions): Promise<{ fs: Rootfs; debs: DebInfo[] }> {
  const y = pkg.yml;
  const { native } = aptArchitectures();
  const cacheDir = opts.debCache ?? defaultDebCacheDir();
  const source = y.kernel?.source;
  if (source) {
    // A kernel built from source: the SBOM names the source package, pinned.
    const info = showVersion(source.package, source.version, arch);
    const deb = await fetchDeb(info, cacheDir, arch, native);
    const out = await buildKernel({
      deb, info, arch,
      fragment: join(pkg.dir, y.kernel!.config![arch]!),
      user: y.org,
      host: y.image,
      pos: y.positions.kernel,
    });
    return { fs: await sourceKernelImage(out), debs: [info] };
  }
  const debian = y.debian!;
  log.info(`pkg: ${shortRef(pkg)} linux/${arch}: resolving ${debian.packages.join(' ')} with apt`);
  const debs: DebInfo[] = resolvePackages(debian.packages, debian.exclude, arch);
  log.info(`pkg: ${debs.length} Debian packages: ${debs.map((d) => `${d.name}=${d.version}`).join(' ')}`);
  const files: string[] = [];
  for (const d of debs) files.push(await fetchDeb(d, cacheDir, arch, native));
  let fs = new Rootfs();
  try {
    for (const [i, f] of files.entries()) {
      log.debug(`unpacking ${f}`);
      await addDeb(fs, f);
      if ((i + 1) % 20 === 0) log.info(`pkg: unpacked ${i + 1}/${files.length}`);
    }
    if (y.kernel?.modules) {
      const k = await kernelImage(fs, y.kernel.modules, y.positions.kernel);
      fs.dispose();
      fs = k.fs;
    }
    return { fs, debs };
  } catch (err) {
    fs.dispose();
    throw err;
  }
}

async function buildPlatform(pkg: Package, platform: Platform, store: ImageStore, opts: BuildOptions): Promise<PlatformImage> {
  const y = pkg.yml;
  const arch = platform.architecture;
  const { native } = aptArchitectures();
  const { fs, debs } = await baseTree(pkg, arch, opts);
  try {
    if (y.debian) log.debug(`pkg: dropped ${dropUnneeded(fs)} documentation, locale, header and static library entries`);
    for (const c of y.concat) addConcat(fs, pkg, c.src, c.dst);
    for (const r of y.remove) fs.remove(r);
    for (const c of y.copy) addCopy(fs, pkg, c.src, c.dst, c.mode);
    if (y.busyboxLinks) {
      const applets = listApplets(fs, y.busyboxLinks, arch, native, y.positions['busybox-links']);
      log.info(`pkg: ${addAppletLinks(fs, y.busyboxLinks, applets)} busybox applet links`);
    }
    for (const s of y.symlinks) fs.addSymlink(s.path, s.target);
    for (const d of y.directories) fs.set({ path: d, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0 });
    log.info(`pkg: writing layer (${fs.entries.size} entries, ${fs.contentSize()} bytes)`);
    const layer = await writeLayer(fs.tarStream(), store);
    const kernelCmd = y.kernel ? { entrypoint: y.entrypoint ?? [], cmd: y.cmd ?? [] } : {};
    const runtime = runtimeConfig({
      entrypoint: y.entrypoint,
      cmd: y.cmd,
      ...kernelCmd,
      env: y.env,
      workdir: y.workdir,
      config: y.config,
    });
    return { platform, layer, runtime, debs };
  } finally {
    fs.dispose();
  }
}

function addCopy(fs: Rootfs, pkg: Package, src: string, dst: string, mode?: number): void {
  const from = join(pkg.dir, src);
  if (!existsSync(from)) throw new UserError(`copy: ${src} does not exist in ${pkg.dir}`, pkg.yml.positions.copy);
  const st = lstatSync(from);
  const to = normalizeEntryPath(dst, 'copy destination');
  if (st.isDirectory()) fs.addTree(from, to);
  // Like git, only the executable bit of the source counts; owners are root.
  else fs.addFile(to, from, mode ?? (st.mode & 0o111 ? 0o755 : 0o644));
}

/** One file made of the regular files directly in image directory `src`, in name order, each ending with a newline. */
function addConcat(fs: Rootfs, pkg: Package, src: string, dst: string): void {
  const dir = normalizeEntryPath(src, 'concat source');
  const parts = fs.sorted().filter((e) => e.type === 'file' && e.path.startsWith(`${dir}/`) && !e.path.slice(dir.length + 1).includes('/'));
  if (parts.length === 0) throw new UserError(`concat: the image has no files in /${dir}`, pkg.yml.positions.concat);
  const out = fs.stagingFile();
  for (const e of parts) {
    const data = readFileSync(e.content!);
    appendFileSync(out, data);
    if (data.length > 0 && data[data.length - 1] !== 0x0a) appendFileSync(out, '\n');
  }
  fs.set({ path: normalizeEntryPath(dst, 'concat destination'), type: 'file', mode: 0o644, uid: 0, gid: 0, size: lstatSync(out).size, content: out });
}

async function buildWithDocker(pkg: Package, store: ImageStore, opts: BuildOptions): Promise<BuildResult> {
  // The engine's output is imported by the cache's own importer, which needs the layout store.
  if (!(store instanceof LayoutStore)) throw new Error('Dockerfile packages are built into a LayoutStore');
  const skip = new Set(parsePlatforms(opts.skipPlatforms ?? '').map((p) => p.architecture));
  const platforms = opts.platforms
    ? parsePlatforms(opts.platforms)
    : pkg.yml.arches.map((architecture) => ({ os: 'linux', architecture }));
  const r = await buildDockerfilePackage(pkg, store, {
    platforms: platforms.filter((p) => !skip.has(p.architecture)),
    explicitPlatforms: Boolean(opts.platforms),
    ...(opts.dockerfile ? { dockerfile: opts.dockerfile } : {}),
    ...(opts.buildArgFiles ? { buildArgFiles: opts.buildArgFiles } : {}),
    ...(opts.sbomScanner ? { sbomScanner: opts.sbomScanner } : {}),
    ...(opts.progress ? { progress: opts.progress } : {}),
    ...(opts.ssh ? { ssh: opts.ssh } : {}),
    sbom: opts.sbom ?? true,
  });
  return { ref: canonicalRef(pkg), descriptor: r.descriptor, size: r.size, skipped: false };
}
