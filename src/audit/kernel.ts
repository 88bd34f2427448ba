// Where the kernel's .config comes from: a file given with --kernel-config (a .config, or
// /proc/config.gz copied from a running guest), or the kernel image itself. LinuxKit's kernel
// images carry it as `config` at their root, and inside `kernel.tar` as `boot/config-<release>`
// (which is where it lands in a build's output); either is used.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { LayoutStore } from '../oci/index.js';
import { imageRootfs, resolveImage } from '../oci/index.js';
import { readAll, readTar } from '../tar/index.js';
import { UserError } from '../util/index.js';

/** A kernel's .config text, and what it was read from. */
export interface KernelConfigText {
  text: string;
  from: string;
}

/** `/boot/config-<release>`, where kernel.tar puts the .config. */
export const BOOT_CONFIG = /^boot\/config-[^/]+$/;

/** The text of a .config file, gunzipped when it is /proc/config.gz. */
export async function readKernelConfigFile(file: string): Promise<KernelConfigText> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new UserError(`--kernel-config: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, { cause: err });
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new UserError(`--kernel-config: ${file} looks gzip-compressed but does not decompress: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
  const text = bytes.toString('utf8');
  if (!/^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)/m.test(text)) {
    throw new UserError(`--kernel-config: ${file} is not a kernel configuration (no CONFIG_ line)`);
  }
  return { text, from: file };
}

/**
 * The .config inside kernel image `ref` in the cache: its `config`, else the boot/config-* of
 * its kernel.tar (`tar`, as the YAML's kernel.tar names it). Undefined when it has neither.
 */
export async function kernelImageConfig(store: LayoutStore, ref: string, arch: string, tar: string): Promise<KernelConfigText | undefined> {
  const img = await resolveImage(store, ref, { os: 'linux', architecture: arch });
  let fromTar: KernelConfigText | undefined;
  for await (const { body, ...entry } of imageRootfs(store, img)) {
    if (entry.type !== 'file') continue;
    if (entry.path === 'config') return { text: (await readAll(body)).toString('utf8'), from: `${ref} config` };
    if (tar && entry.path === tar && !fromTar) {
      for await (const { body: inner, ...e } of readTar(body, `${ref} ${tar}`)) {
        if (e.type === 'file' && BOOT_CONFIG.test(e.path)) fromTar = { text: (await readAll(inner)).toString('utf8'), from: `${ref} ${tar}:${e.path}` };
      }
    }
  }
  return fromTar;
}
