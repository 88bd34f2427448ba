// A kernel built from source (kernel-build.ts) laid out as LinuxKit's kernel images are
// (lk:kernel/common/Dockerfile, its final stage):
//   /kernel              the bootable image (bzImage)
//   /System.map          its symbols
//   /config              its .config (also readable at run time: /proc/config.gz)
//   /kernel.tar          what `linuxkit build` unpacks into the root: boot/config-<release>,
//                        lib/modules/ always, and lib/modules/<release>/ when the config has modules
//   /kernel-headers.tar  usr/include: the user-space API headers (make headers_install)
//   /kernel-dev.tar      usr/src/linux-headers-<release>: the config and its generated headers
// With no modules, lib/modules/ is empty, so the init has nothing to load at boot, but it exists:
// LinuxKit's packages bind /lib/modules (modprobe, docker, …), and the machine's root is
// read-only, so a missing bind source could not be made later and their containers would not start.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KernelBuildOutput } from './kernel-build.js';
import { writeTarFile } from './layer.js';
import { Rootfs } from './rootfs.js';

async function tarOf(image: Rootfs, fill: (fs: Rootfs) => void): Promise<string> {
  const fs = new Rootfs();
  try {
    fill(fs);
    const file = image.stagingFile();
    await writeTarFile(fs.tarStream(), file);
    return file;
  } finally {
    fs.dispose();
  }
}

function addStaged(image: Rootfs, path: string, file: string): void {
  image.set({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: statSync(file).size, content: file });
}

export async function sourceKernelImage(out: KernelBuildOutput): Promise<Rootfs> {
  const image = new Rootfs();
  try {
    image.addFile('kernel', join(out.dir, 'kernel'), 0o644);
    image.addFile('System.map', join(out.dir, 'System.map'), 0o644);
    image.addFile('config', join(out.dir, 'config'), 0o644);
    addStaged(image, 'kernel.tar', await tarOf(image, (fs) => {
      fs.addFile(`boot/config-${out.release}`, join(out.dir, 'config'), 0o644);
      fs.set({ path: 'lib/modules', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0 });
      if (existsSync(join(out.dir, 'modules'))) fs.addTree(join(out.dir, 'modules'), '');
    }));
    addStaged(image, 'kernel-headers.tar', await tarOf(image, (fs) => fs.addTree(join(out.dir, 'headers'), '')));
    addStaged(image, 'kernel-dev.tar', await tarOf(image, (fs) => fs.addTree(join(out.dir, 'dev'), '')));
    return image;
  } catch (err) {
    image.dispose();
    throw err;
  }
}
