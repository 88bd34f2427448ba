// The output formats by name (`linuxkit build -f NAME`). A format is added here and nowhere else.
import { kernelInitrd } from './kernel-initrd.js';
import { kernelSquashfs } from './kernel-squashfs.js';
import { tarFormat } from './tar.js';
import { tarKernelInitrd } from './tar-kernel-initrd.js';
import type { OutputFormat } from './types.js';
import { UserError } from '../util/errors.js';

const formats = new Map<string, OutputFormat>();

export function registerFormat(f: OutputFormat): void {
  if (formats.has(f.name)) throw new Error(`output format ${f.name} registered twice`);
  formats.set(f.name, f);
}

for (const f of [tarFormat, kernelInitrd, tarKernelInitrd, kernelSquashfs]) registerFormat(f);

/** LinuxKit's formats that are not built here yet (they need its mkimage-* Docker images there). */
const NOT_YET = [
  'docker', 'iso-bios', 'iso-efi', 'iso-efi-initrd', 'raw-bios', 'raw-efi', 'kernel+erofs', 'kernel+iso',
  'aws', 'gcp', 'qcow2-efi', 'qcow2-bios', 'vhd', 'dynamic-vhd', 'vmdk', 'rpi3',
];

export function getFormat(name: string): OutputFormat {
  const f = formats.get(name);
  if (f) return f;
  if (NOT_YET.includes(name)) throw new UserError(`output format ${name} is not implemented yet in linuxkit-ts`);
  throw new UserError(`unknown format type ${name} (one of ${formatNames().join(', ')})`);
}

export function formatNames(): string[] {
  return [...formats.keys()];
}
