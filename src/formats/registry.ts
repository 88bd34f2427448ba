// The output formats by name (`linuxkit build -f NAME`): LinuxKit's list, each format one
// object. A format not built here yet is a stub (not-yet.ts) that says so; to add a format, or
// replace a stub by the real one, write its module and change its line in FORMATS.
import { kernelInitrd } from './kernel-initrd.js';
import { kernelErofs } from './kernel-erofs.js';
import { kernelSquashfs } from './kernel-squashfs.js';
import { isoEfi, isoEfiInitrd } from './iso-efi.js';
import { isoBios, kernelIso } from './iso-formats.js';
import { dockerFormat } from './docker.js';
import { aws, dynamicVhd, gcp, qcow2Bios, qcow2Efi, rawBios, rawEfi, vhd, vmdk } from './disk-formats.js';
import { NotYetFormat, notYet } from './not-yet.js';
import { tarFormat } from './tar.js';
import { tarKernelInitrd } from './tar-kernel-initrd.js';
import type { OutputFormat } from './types.js';
import { UserError } from '../util/index.js';

const FORMATS: readonly OutputFormat[] = [
  tarFormat,
  dockerFormat,
  kernelInitrd,
  tarKernelInitrd,
  kernelSquashfs,
  kernelErofs,
  isoBios,
  kernelIso,
  isoEfi,
  isoEfiInitrd,
  rawBios,
  aws,
  gcp,
  qcow2Bios,
  vhd,
  dynamicVhd,
  vmdk,
  rawEfi,
  qcow2Efi,
  // Not built yet: LinuxKit makes these with its mkimage-* Docker images.
  notYet('rpi3', 'a tar of the files for a Raspberry Pi 3 (arm64)', ['.tar']),
];

const formats = new Map<string, OutputFormat>();

export function registerFormat(f: OutputFormat): void {
  if (formats.has(f.name)) throw new Error(`output format ${f.name} registered twice`);
  formats.set(f.name, f);
}

for (const f of FORMATS) registerFormat(f);

/** The format called `name`; a user error if it is unknown or not built yet. */
export function getFormat(name: string): OutputFormat {
  const f = formats.get(name);
  if (f instanceof NotYetFormat) throw f.error();
  if (f) return f;
  throw new UserError(`unknown format type ${name} (one of ${formatNames().join(', ')}; not implemented yet: ${notYetFormatNames().join(', ')})`);
}

/** The formats that are built here. */
export function formatNames(): string[] {
  return [...formats.values()].filter((f) => !(f instanceof NotYetFormat)).map((f) => f.name);
}

/** LinuxKit's formats that are listed but not built here yet. */
export function notYetFormatNames(): string[] {
  return [...formats.values()].filter((f) => f instanceof NotYetFormat).map((f) => f.name);
}
