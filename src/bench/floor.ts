// The floor of a boot: the same kernel (and command line) with an initrd of static busybox whose
// /init prints the uptime and powers off. What no image on this kernel can beat: the kernel's own
// boot and the unpacking of a 2 MB initrd. `linuxkit bench --floor` boots it in the same rounds
// as the images.
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cpioArchive } from '../formats/index.js';
import { UserError } from '../util/index.js';
import { FLOOR_STAGE } from './stages.js';

/** Static busybox on the host (Debian's busybox-static, scripts/host-packages.txt). */
export const HOST_BUSYBOX = '/bin/busybox';

/** Prints "linuxkit-ts: UPTIME floor init", the stage line parseFloor reads. */
export const FLOOR_INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
read -r up _ </proc/uptime
echo "linuxkit-ts: $up ${FLOOR_STAGE}"
/bin/busybox poweroff -f
`;

/** DIR/NAME-kernel (a link to `kernel`), NAME-initrd.img (busybox + /init), NAME-cmdline; returns the prefix. */
export async function floorImage(kernel: string, cmdline: string, dir: string, name = 'floor'): Promise<string> {
  const busybox = await readFile(HOST_BUSYBOX).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    throw new UserError(`--floor needs a static busybox at ${HOST_BUSYBOX} (Debian: apt-get install busybox-static)`, undefined, { cause: err });
  });
  const prefix = join(dir, name);
  const initrd = await cpioArchive([
    { name: 'bin', type: 'dir', mode: 0o755 },
    { name: 'bin/busybox', type: 'file', mode: 0o755, data: busybox },
    { name: 'init', type: 'file', mode: 0o755, data: FLOOR_INIT },
    { name: 'proc', type: 'dir', mode: 0o755 },
  ]);
  await writeFile(`${prefix}-initrd.img`, initrd);
  await symlink(resolve(kernel), `${prefix}-kernel`);
  await writeFile(`${prefix}-cmdline`, cmdline);
  return prefix;
}
