// The probe booted with every image `linuxkit bench` measures: an /etc/init.d script, run by
// rc.init once every earlier init.d entry is done (020-services, or LinuxKit's 020-containerd,
// has started every service and printed "services started"). It prints the memory in use
// (MemTotal − MemAvailable) on the console and asks init for a clean poweroff (SIGUSR2 to pid 1).
// A script rather than a service: a probe container would be one more container started before
// "services started", ~0.3–0.5 s under TCG, in every figure.
//
// It is added to a copy of the image's initrd as a second, uncompressed cpio archive: the
// kernel unpacks concatenated archives in order (Documentation/driver-api/early-userspace/
// buffer-format.rst), so the image itself is booted as built, whether bench built it from YAML
// or was given an output.
import { copyFile, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cpioArchive } from '../formats/index.js';
import type { KernelInitrdFiles } from '../inspect/index.js';

export const PROBE_PATH = 'etc/init.d/030-bench-probe';

export const PROBE_SCRIPT = `#!/bin/sh
awk '/^MemTotal:/ {t=$2} /^MemAvailable:/ {a=$2} END {printf "memory in use: %d kB of %d kB\\n", t-a, t}' /proc/meminfo
kill -USR2 1
`;

export function probeArchive(): Promise<Buffer> {
  return cpioArchive([
    { name: 'etc', type: 'dir', mode: 0o755 },
    { name: 'etc/init.d', type: 'dir', mode: 0o755 },
    { name: PROBE_PATH, type: 'file', mode: 0o755, data: PROBE_SCRIPT },
  ]);
}

/**
 * DIR/NAME-kernel (a link), NAME-initrd.img (the image's, then the probe) and NAME-cmdline: a
 * prefix to boot. Returns the prefix.
 */
export async function withProbe(files: KernelInitrdFiles & { kernel: string }, dir: string, name: string): Promise<string> {
  const prefix = join(dir, name);
  await symlink(resolve(files.kernel), `${prefix}-kernel`);
  const initrd = `${prefix}-initrd.img`;
  await copyFile(files.initrd, initrd);
  // The kernel takes an uncompressed archive only at an offset that is a multiple of 4 (it
  // skips zeros): after a compressed initrd of any length, pad.
  const pad = (4 - ((await stat(initrd)).size % 4)) % 4;
  await writeFile(initrd, Buffer.concat([Buffer.alloc(pad), await probeArchive()]), { flag: 'a' });
  await writeFile(`${prefix}-cmdline`, files.cmdline ? await readFile(files.cmdline) : '');
  return prefix;
}
