// kernel+erofs (lk:moby/build/output.go outputKernelEroFS, tools/mkimage-erofs): NAME-kernel,
// NAME-erofs.img and NAME-cmdline; the root filesystem (the stream minus boot/*) as an EROFS
// image, uncompressed as LinuxKit's. Debian 12's mkfs.erofs (erofs-utils 1.5) reads only a
// directory, so the tree is unpacked into a staging directory of ours by the confined extractor
// (src/oci/layer/extract.ts, through src/oci: no write ever leaves it, whatever the image's symlinks say; owners
// set when running as root), then `mkfs.erofs` runs on it. Reproducible: every time is the epoch
// (`-T`), the UUID comes from the entries' headers and the command line.
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AtomicOutputs } from './atomic.js';
import { bootPart, saveBody } from './boot.js';
import { sourceDateEpoch } from './defaults.js';
import { runTool, TOOLS } from './host-tools.js';
import { extractToDirectory } from '../oci/index.js';
import { readAll, readTar, type TarEntry } from '../tar/index.js';
import type { FormatOptions, OutputFormat, OutputTarget } from './types.js';
import { log } from '../util/index.js';

/** A UUID's text form from 16 bytes of a digest. */
function uuidOf(digest: Buffer): string {
  const h = digest.toString('hex', 0, 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const kernelErofs: OutputFormat = {
  name: 'kernel+erofs',
  description: 'kernel, EROFS root file system and cmdline',
  streamable: false,
  hostTools: [TOOLS.mkfsErofs],
  files: (name) => [`${name}-kernel`, `${name}-erofs.img`, `${name}-cmdline`],

  write(input: Readable, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    const base = join(target.dir, target.name);
    return AtomicOutputs.run(async (out) => {
      const kernel = await out.temp(`${base}-kernel`);
      const image = await out.temp(`${base}-erofs.img`);
      const cmdlinePath = await out.temp(`${base}-cmdline`);
      const stage = `${image}.stage`;
      const root = join(stage, 'root');
      const epoch = sourceDateEpoch(options.sourceDateEpoch);
      const id = createHash('sha256');
      let hasKernel = false;
      let cmdline = '';
      async function* rootfs(): AsyncGenerator<TarEntry> {
        for await (const e of readTar(input, 'image')) {
          const part = bootPart(e.path);
          if (part === 'kernel') {
            await saveBody(e.body, kernel);
            hasKernel = true;
          } else if (part === 'cmdline') {
            cmdline = (await readAll(e.body)).toString('utf8');
          } else if (part === undefined) {
            id.update(JSON.stringify([e.path, e.type, e.mode, e.uid, e.gid, e.size, e.linkname ?? '']));
            yield e;
          }
          // Other boot/ files are left out (their bodies are drained by readTar).
        }
      }
      try {
        await extractToDirectory(rootfs(), root);
        id.update(cmdline);
        // Without root the unpacked files are the builder's: make them root's, as the image's are.
        const owners = process.getuid?.() === 0 ? [] : ['--all-root'];
        await runTool(TOOLS.mkfsErofs, ['--quiet', '-T', String(epoch), '-U', uuidOf(id.digest()), ...owners, image, root]);
      } finally {
        await rm(stage, { recursive: true, force: true });
      }
      if (!hasKernel) {
        log.warn(`${target.name}: the image has no boot/kernel; writing no ${target.name}-kernel`);
        await out.forget(`${base}-kernel`);
        out.removeOnCommit(`${base}-kernel`);
      }
      await writeFile(cmdlinePath, cmdline, { mode: 0o644 });
    });
  },
};
