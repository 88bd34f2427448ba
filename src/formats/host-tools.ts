// The host programs and files the disk and ISO formats run or read, each with the Debian
// package that has it: a format declares what it needs (OutputFormat.hostTools), the build
// checks them all before it starts (a missing one is an error naming the package, with the
// apt-get line), and runTool() runs them with their stderr kept for the error message.
// scripts/host-packages.txt lists these packages so setup installs them.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../util/index.js';

/** A program looked up in $PATH (and the sbin directories), or a file at a fixed path. */
export interface HostTool {
  /** A program's name, or an absolute file path. */
  readonly name: string;
  readonly debianPackage: string;
}

const tool = (name: string, debianPackage: string): HostTool => ({ name, debianPackage });

/** Every tool a format may declare: one place for the name and package of each. */
export const TOOLS = {
  xorriso: tool('xorriso', 'xorriso'),
  isolinuxBin: tool('/usr/lib/ISOLINUX/isolinux.bin', 'isolinux'),
  isohybridMbr: tool('/usr/lib/ISOLINUX/isohdpfx.bin', 'isolinux'),
  ldlinuxC32: tool('/usr/lib/syslinux/modules/bios/ldlinux.c32', 'syslinux-common'),
  altMbr: tool('/usr/lib/syslinux/mbr/altmbr.bin', 'syslinux-common'),
  syslinux: tool('syslinux', 'syslinux'),
  mkfsVfat: tool('mkfs.vfat', 'dosfstools'),
  mcopy: tool('mcopy', 'mtools'),
  mmd: tool('mmd', 'mtools'),
  qemuImg: tool('qemu-img', 'qemu-utils'),
  mkfsErofs: tool('mkfs.erofs', 'erofs-utils'),
  grubMkimage: tool('grub-mkimage', 'grub-common'),
  grubEfiModules: tool('/usr/lib/grub/x86_64-efi/linux.mod', 'grub-efi-amd64-bin'),
} as const;

/** Where programs are looked for: $PATH, then the sbin directories a non-root $PATH lacks. */
function searchPath(): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!dirs.includes(d)) dirs.push(d);
  return dirs;
}

function usable(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of a tool, or undefined when it is not installed. */
export function locateTool(t: HostTool): string | undefined {
  if (t.name.startsWith('/')) return usable(t.name, constants.R_OK) ? t.name : undefined;
  for (const dir of searchPath()) {
    const p = join(dir, t.name);
    if (usable(p, constants.X_OK)) return p;
  }
  return undefined;
}

/** Throws one error naming every missing tool of `format` and the packages to install. */
export function requireTools(format: string, tools: readonly HostTool[]): void {
  const missing = tools.filter((t) => locateTool(t) === undefined);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((t) => t.debianPackage))];
  throw new UserError(
    `format ${format} needs ${missing.map((t) => `${t.name} (Debian package ${t.debianPackage})`).join(', ')}: ` +
      `install with apt-get install ${packages.join(' ')}`,
  );
}

export interface RunToolOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the tool's stdin. */
  input?: string | Buffer;
}

/** Runs a program tool to completion; resolves to its stdout, or rejects naming the tool and its message. */
export function runTool(t: HostTool, args: readonly string[], opts: RunToolOptions = {}): Promise<string> {
  const path = locateTool(t);
  if (!path) return Promise.reject(new UserError(`${t.name} not found: install the Debian package ${t.debianPackage}`));
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.on('error', () => undefined); // a tool that exits without reading its input
    child.stdin.end(opts.input ?? '');
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out).toString());
      const why = err.trim().split('\n').slice(-4).join('; ') || 'no message';
      reject(new UserError(`${t.name} failed (${signal ? `killed by ${signal}` : `exit status ${code}`}): ${why}`));
    });
  });
}
