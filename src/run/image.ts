// What kind of image a `run` path names, found the way LinuxKit finds it
// (lk:src/cmd/linuxkit/run_qemu.go): an existing file is an ISO (".iso") or a disk image;
// otherwise PATH is a prefix: PATH-kernel with PATH-squashfs.img, or with PATH-initrd.img, or
// (linuxkit-ts, for kernel+iso) with PATH.iso as the root's CD-ROM.
import { existsSync, statSync } from 'node:fs';
import { UserError, type FlagDecl } from '../util/index.js';
import { ifExistsSync } from '../util/index.js';

export type BootKind = 'kernel' | 'squashfs' | 'kernel-iso' | 'iso' | 'disk';

export interface BootImage {
  kind: BootKind;
  /** The path as given. */
  path: string;
  /** The prefix the state directory is named after (PATH without ".iso"). */
  prefix: string;
  /** Files the backend boots from, by role. */
  kernel?: string;
  initrd?: string;
  squashfs?: string;
  cmdlineFile?: string;
  iso?: string;
  disk?: string;
  /** A LinuxKit "-efi" output (NAME-efi.iso, NAME-efi.img, NAME-efi.qcow2): boot with UEFI. */
  looksUefi: boolean;
}

/** The flags that force the kind of image (BootKindFlags), as LinuxKit's qemu and hyperkit declare them. */
export const BOOT_KIND_FLAGS: readonly FlagDecl[] = [
  { flags: '--iso', description: 'boot image is an ISO', default: false },
  { flags: '--squashfs', description: 'boot image is a kernel+squashfs+cmdline', default: false },
  { flags: '--kernel', description: "boot image is kernel+initrd+cmdline 'path'-kernel/-initrd.img/-cmdline", default: false },
];

/** Explicit boot-kind flags (--kernel, --squashfs, --iso); at most one may be set. */
export interface BootKindFlags {
  kernel?: boolean;
  squashfs?: boolean;
  iso?: boolean;
}

function isFile(p: string): boolean {
  return ifExistsSync(() => statSync(p))?.isFile() ?? false;
}

function mustExist(p: string, what: string): string {
  if (!existsSync(p)) throw new UserError(`${what} ${p} does not exist`);
  return p;
}

function detectKind(path: string, flags: BootKindFlags): BootKind {
  const forced = (['kernel', 'squashfs', 'iso'] as const).filter((k) => flags[k]);
  if (forced.length > 1) throw new UserError(`choose one of --${forced.join(', --')}`);
  if (forced[0]) return forced[0];
  if (isFile(path)) return path.endsWith('.iso') ? 'iso' : 'disk';
  if (existsSync(`${path}-kernel`)) {
    if (existsSync(`${path}-squashfs.img`)) return 'squashfs';
    // kernel+iso: LinuxKit's run has no way to boot it; its root is the ISO on a CD-ROM.
    if (!existsSync(`${path}-initrd.img`) && isFile(`${path}.iso`)) return 'kernel-iso';
    return 'kernel';
  }
  throw new UserError(
    `no image at "${path}": expected a disk or ISO file ${path}, or ${path}-kernel with ${path}-initrd.img ` +
      `(kernel+initrd), ${path}-squashfs.img (kernel+squashfs) or ${path}.iso (kernel+iso)`,
  );
}

/** Finds the files to boot; every file it names exists. */
export function findBootImage(path: string, flags: BootKindFlags = {}): BootImage {
  const kind = detectKind(path, flags);
  const looksUefi = /-efi\.(iso|img|qcow2|raw)$/.test(path);
  // A prefix's kinds: PATH-kernel and PATH-cmdline, and the root's own file.
  const withKernel = (root: Partial<BootImage>): BootImage => ({
    kind,
    path,
    prefix: path,
    kernel: mustExist(`${path}-kernel`, 'kernel'),
    cmdlineFile: `${path}-cmdline`,
    looksUefi,
    ...root,
  });
  switch (kind) {
    case 'kernel':
      return withKernel({ initrd: mustExist(`${path}-initrd.img`, 'initrd') });
    case 'squashfs':
      return withKernel({ squashfs: mustExist(`${path}-squashfs.img`, 'squashfs image') });
    case 'kernel-iso':
      return withKernel({ iso: `${path}.iso` });
    case 'iso':
      return { kind, path, prefix: path.replace(/\.iso$/, ''), iso: mustExist(path, 'ISO image'), looksUefi };
    case 'disk':
      return { kind, path, prefix: path, disk: mustExist(path, 'boot disk image'), looksUefi };
  }
}
