// Builds a Linux kernel from a Debian kernel source package (linux-source-6.1: a .tar.xz of the
// tree) with a config fragment from the package (src/pkg/kconfig.ts), with the host's gcc/make.
//
// Everything is kept under the tool cache (~/.cache/linuxkit-ts/kernel, $LINUXKIT_KERNEL_CACHE)
// per source package and version: the unpacked tree (source/), the object tree per architecture
// (build-<arch>/, make O=), and the finished outputs per build key (out/<key>/: the fragment, the
// architecture, the toolchain, the identity written into the kernel). So the tree is unpacked
// once, a changed fragment recompiles only what it touches, and the same inputs are not built
// twice. A lock serialises processes building the same source version. A build that was killed
// leaves a marker in the object tree: the next one first deletes every file written since the
// marker (make would take a half-written object file for a finished one).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { toolCacheSubdir } from '../util/index.js';
import { withDirLock } from '../util/index.js';
import { UserError, type SourcePos } from '../util/index.js';
import { log, showProgress } from '../util/index.js';
import type { DebInfo } from './apt.js';
import { checkKconfig, describeMismatches, kconfigValues } from './kconfig.js';
import { sourceDateEpoch } from './rootfs.js';

export const ENV_KERNEL_CACHE = 'LINUXKIT_KERNEL_CACHE';
/** Bumped when the layout of out/ or the way it is made changes: older outputs are not reused. */
const FORMAT = 'kernel-build-1';

/** Kernel ARCH= and the bootable image make leaves, per Debian/OCI architecture. */
const ARCHES: Record<string, { karch: string; srcarch: string; image: string; target: string }> = {
  amd64: { karch: 'x86_64', srcarch: 'x86', image: 'arch/x86/boot/bzImage', target: 'bzImage' },
};

export interface KernelBuildInput {
  /** The source package's .deb and what apt says of it. */
  deb: string;
  info: DebInfo;
  /** The config fragment (a file of the package). */
  fragment: string;
  arch: string;
  /** Written into the kernel's version string (uname -v): user@host. */
  user: string;
  host: string;
  pos?: SourcePos;
}

export interface KernelBuildOutput {
  /** out/<key>: kernel, System.map, config, release, headers/usr/include, dev/, modules/ (if any). */
  dir: string;
  release: string;
  cached: boolean;
}

function cacheRoot(): string {
  const dir = toolCacheSubdir(ENV_KERNEL_CACHE, 'kernel');
  if (!dir) throw new UserError(`${ENV_KERNEL_CACHE}=off: building a kernel from source needs a cache directory for its object files`);
  return dir;
}

/** "1m05s". */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new UserError(`cannot run ${cmd} (building a kernel needs the host packages in scripts/host-packages.txt: gcc, make, bc, flex, bison, libelf-dev, …)`);
  return r.stdout.split('\n')[0]!.trim();
}

/** The environment make runs in: the build's identity fixed, so two builds give the same bytes. */
function makeEnv(input: KernelBuildInput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };
  // A parent make's jobserver (make test) is not ours to share.
  for (const k of ['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'KCONFIG_CONFIG', 'ARCH', 'CROSS_COMPILE', 'O']) delete env[k];
  env.KBUILD_BUILD_TIMESTAMP = new Date(sourceDateEpoch() * 1000).toUTCString();
  env.KBUILD_BUILD_USER = input.user;
  env.KBUILD_BUILD_HOST = input.host;
  env.KBUILD_BUILD_VERSION = '1';
  return env;
}

/** What the outputs depend on besides the tree itself. */
function buildKey(input: KernelBuildInput, fragmentText: string, env: NodeJS.ProcessEnv): string {
  const h = createHash('sha256');
  for (const part of [
    FORMAT, input.info.name, input.info.version, input.info.sha256, input.arch, fragmentText,
    env.KBUILD_BUILD_TIMESTAMP, env.KBUILD_BUILD_USER, env.KBUILD_BUILD_HOST,
    firstLine('gcc', ['--version']), firstLine('ld', ['--version']),
  ]) h.update(`${part}\0`);
  return h.digest('hex').slice(0, 16);
}

async function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Promise<void> {
  log.debug(`${cmd} ${args.join(' ')}`);
  await new Promise<void>((resolveP, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    let partial = '';
    const keep = (d: Buffer): void => {
      tail = (tail + d.toString()).slice(-4000);
    };
    child.stdout.on('data', (d: Buffer) => {
      keep(d);
      if (!onLine) return;
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) onLine(l);
    });
    child.stderr.on('data', keep);
    child.on('error', (err) => reject(new UserError(`cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolveP();
      else {
        const err = new UserError(`${cmd} ${args.filter((a) => !a.includes('=')).join(' ')} failed (${signal ?? `exit ${code}`}); its last output:\n${tail.trimEnd()}`);
        reject(Object.assign(err, { killed: signal !== null }));
      }
    });
  });
}

/** The unpacked tree of the source package, made once (into a temporary name, then renamed). */
async function sourceTree(verDir: string, input: KernelBuildInput, env: NodeJS.ProcessEnv): Promise<string> {
  const source = join(verDir, 'source');
  if (existsSync(join(source, 'Makefile'))) return source;
  const started = Date.now();
  log.info(`kernel: unpacking ${input.info.name} ${input.info.version}`);
  const tmp = join(verDir, `.source-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // The .deb holds usr/src/<name>.tar.xz; its top directory is <name>/.
  await run('bash', ['-c', 'set -o pipefail; dpkg-deb --fsys-tarfile "$1" | tar -xO --wildcards "./usr/src/linux-source-*.tar.*" | tar -xJ -C "$2"', 'unpack', input.deb, tmp], env);
  const tops = readdirSync(tmp);
  if (tops.length !== 1) throw new UserError(`${input.info.name}: expected one directory in its source tarball, found ${tops.join(', ') || 'none'}`);
  rmSync(source, { recursive: true, force: true });
  renameSync(join(tmp, tops[0]!), source);
  rmSync(tmp, { recursive: true, force: true });
  log.info(`kernel: unpacked in ${duration(Date.now() - started)}`);
  return source;
}

/** Deletes every file under `dir` modified at or after `since` (ms): what a killed build wrote. */
function removeNewerFiles(dir: string, since: number): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) n += removeNewerFiles(p, since);
    else if (st.mtimeMs >= since) {
      unlinkSync(p);
      n++;
    }
  }
  return n;
}

/** Periodic progress while make compiles: a status line on a terminal, a line every 30 s otherwise, nothing in CI. */
function makeProgress(what: string): { line(l: string): void; stop(): void } {
  const started = Date.now();
  let files = 0;
  const tty = showProgress();
  const quiet = Boolean(process.env.CI);
  const text = (): string => `kernel: building ${what}: ${duration(Date.now() - started)}, ${files} files compiled`;
  const timer = quiet ? undefined : setInterval(() => (tty ? process.stderr.write(`\r\x1b[K${text()}`) : log.info(text())), tty ? 1000 : 30_000);
  timer?.unref();
  return {
    line(l) {
      if (/^\s+(CC|AS)\s/.test(l)) files++;
    },
    stop() {
      if (timer) clearInterval(timer);
      if (tty && !quiet) process.stderr.write('\r\x1b[K');
    },
  };
}

/** Builds (or finds in the cache) the kernel for `input`. */
export async function buildKernel(input: KernelBuildInput): Promise<KernelBuildOutput> {
  const a = ARCHES[input.arch];
  if (!a) throw new UserError(`building a kernel from source for ${input.arch} is not supported (only ${Object.keys(ARCHES).join(', ')})`, input.pos);
  let fragmentText: string;
  try {
    fragmentText = readFileSync(input.fragment, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read the kernel config fragment: ${(err as Error).message}`, input.pos);
  }
  const env = makeEnv(input);
  const verDir = join(cacheRoot(), `${input.info.name}_${input.info.version}`);
  const key = buildKey(input, fragmentText, env);
  const outDir = join(verDir, 'out', key);
  const what = `${input.info.name} ${input.info.version} for ${a.karch}`;
  const cached = (): KernelBuildOutput | undefined => {
    if (!existsSync(join(outDir, 'release'))) return undefined;
    log.info(`kernel: ${what}: built before, from the cache (${outDir})`);
    return { dir: outDir, release: readFileSync(join(outDir, 'release'), 'utf8').trim(), cached: true };
  };
  // A finished build is renamed into out/ whole (below), so it is read without the lock, which
  // another process may hold for minutes compiling another fragment in the same object tree.
  const done = cached();
  if (done) return done;
  return withDirLock(verDir, `the kernel build cache of ${input.info.name} ${input.info.version}`, async () => {
    const doneMeanwhile = cached();
    if (doneMeanwhile) return doneMeanwhile;
    const started = Date.now();
    const source = await sourceTree(verDir, input, env);
    const obj = join(verDir, `build-${a.karch}`);
    mkdirSync(obj, { recursive: true });
    const marker = join(obj, '.linuxkit-building');
    if (existsSync(marker)) {
      const n = removeNewerFiles(obj, statSync(marker).mtimeMs);
      // (the marker itself is among them)
      log.info(`kernel: an earlier build was interrupted: removed the ${n - 1} files it wrote`);
      rmSync(marker, { force: true });
    }
    const jobs = String(availableParallelism());
    const make = (args: string[], onLine?: (l: string) => void): Promise<void> =>
      run('make', ['-C', source, `O=${obj}`, `ARCH=${a.karch}`, `-j${jobs}`, ...args], env, onLine);

    log.info(`kernel: building ${what} (make -j${jobs}; minutes from scratch, less when its objects are cached)`);
    await make([`KCONFIG_ALLCONFIG=${resolve(input.fragment)}`, 'allnoconfig']);
    const dotConfig = readFileSync(join(obj, '.config'), 'utf8');
    const missing = checkKconfig(fragmentText, dotConfig);
    if (missing.length > 0) {
      throw new UserError(
        `the kernel config fragment asks for ${missing.length} option${missing.length > 1 ? 's' : ''} Kconfig did not apply ` +
          `(a menu parent or a dependency is off, or the option has no prompt; the full result is ${join(obj, '.config')}):\n` +
          describeMismatches(input.fragment, missing),
        input.pos,
      );
    }
    const modules = kconfigValues(dotConfig).get('CONFIG_MODULES') === 'y';
    // From here on make writes objects: a kill leaves this marker (see the top of the file).
    writeFileSync(marker, `${process.pid}\n`);
    const progress = makeProgress(what);
    try {
      await make([a.target, ...(modules ? ['modules'] : [])], (l) => progress.line(l));
    } catch (err) {
      // make itself removes what it was writing when a command fails (.DELETE_ON_ERROR) or it
      // is interrupted: only a kill leaves half-written files behind.
      if (!(err as { killed?: boolean }).killed) rmSync(marker, { force: true });
      throw err;
    } finally {
      progress.stop();
    }
    rmSync(marker, { force: true });

    // Collect into a temporary directory, renamed into place when complete.
    const tmp = join(verDir, 'out', `.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const release = readFileSync(join(obj, 'include', 'config', 'kernel.release'), 'utf8').trim();
    copyFileSync(join(obj, a.image), join(tmp, 'kernel'));
    copyFileSync(join(obj, 'System.map'), join(tmp, 'System.map'));
    copyFileSync(join(obj, '.config'), join(tmp, 'config'));
    // `make headers` leaves them in usr/include of the object tree; headers_install would copy
    // the .h files from there with rsync, one more host package for a copy.
    await make(['headers']);
    copyTree(join(obj, 'usr', 'include'), join(tmp, 'headers', 'usr', 'include'), (name) => name.endsWith('.h'));
    if (modules) {
      await make([`INSTALL_MOD_PATH=${join(tmp, 'modules')}`, 'INSTALL_MOD_STRIP=1', 'modules_install']);
      for (const link of ['build', 'source']) rmSync(join(tmp, 'modules', 'lib', 'modules', release, link), { force: true });
    }
    devTree(obj, a.srcarch, join(tmp, 'dev', 'usr', 'src', `linux-headers-${release}`));
    writeFileSync(join(tmp, 'release'), release + '\n');
    rmSync(outDir, { recursive: true, force: true });
    renameSync(tmp, outDir);
    log.info(`kernel: built ${what} (${release}) in ${duration(Date.now() - started)}`);
    return { dir: outDir, release, cached: false };
  });
}

/** Copies the regular files of a tree that `keep` accepts (not dot files: kbuild's .cmd records), making directories as needed. */
function copyTree(from: string, to: string, keep: (name: string) => boolean = () => true): void {
  if (!existsSync(from)) return;
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const p = join(from, name);
    const st = lstatSync(p);
    if (st.isDirectory()) copyTree(p, join(to, name), keep);
    else if (st.isFile() && !name.startsWith('.') && keep(name)) copyFileSync(p, join(to, name));
  }
}

/**
 * What kernel-dev.tar holds: the configuration and the generated headers describing it
 * (LinuxKit's has the tree's Makefiles and scripts too, for out-of-tree modules; with modules
 * off there is nothing to build against this kernel).
 */
function devTree(obj: string, srcarch: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  copyFileSync(join(obj, '.config'), join(dest, '.config'));
  copyTree(join(obj, 'include', 'generated'), join(dest, 'include', 'generated'));
  copyTree(join(obj, 'arch', srcarch, 'include', 'generated'), join(dest, 'arch', srcarch, 'include', 'generated'));
  mkdirSync(join(dest, 'include', 'config'), { recursive: true });
  copyFileSync(join(obj, 'include', 'config', 'auto.conf'), join(dest, 'include', 'config', 'auto.conf'));
}
