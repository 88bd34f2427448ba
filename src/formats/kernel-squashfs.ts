// kernel+squashfs: NAME-kernel, NAME-squashfs.img and NAME-cmdline. The root filesystem (the
// stream minus boot/*) is piped straight into `mksquashfs -tar` (squashfs-tools ≥ 4.5.1 reads a tar on
// stdin), so nothing is unpacked to disk: owners, modes, devices and hard links come from the
// tar headers, not from the host. Reproducible: creation time SOURCE_DATE_EPOCH and every inode
// time clamped to it (the only way squashfs-tools 4.5.1 fixes the root directory's time), -reproducible.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { AtomicOutputs } from './atomic.js';
import { bootPart, saveBody } from './boot.js';
import { sourceDateEpoch } from './defaults.js';
import { readAll, readRecords, TarWriter, xattrsFromPax, xattrsToPax, type TarHeader } from '../tar/index.js';
import type { FormatOptions, OutputFormat, OutputTarget } from './types.js';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';

export const kernelSquashfs: OutputFormat = {
  name: 'kernel+squashfs',
  description: 'kernel, squashfs root file system and cmdline',
  streamable: false,
  files: (name) => [`${name}-kernel`, `${name}-squashfs.img`, `${name}-cmdline`],

  write(input: Readable, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    const base = join(target.dir, target.name);
    return AtomicOutputs.run(async (out) => {
      const kernel = await out.temp(`${base}-kernel`);
      const image = await out.temp(`${base}-squashfs.img`);
      const cmdlinePath = await out.temp(`${base}-cmdline`);
      const epoch = sourceDateEpoch(options.sourceDateEpoch);
      const sqfs = startMksquashfs(image, epoch, options.threads ?? availableParallelism(), compressionArgs(options));
      let hasKernel = false;
      let cmdline = '';
      try {
        for await (const entry of readRecords(input)) {
          switch (bootPart(entry.name)) {
            case 'kernel':
              await saveBody(entry.body, kernel);
              hasKernel = true;
              break;
            case 'cmdline':
              cmdline = (await readAll(entry.body)).toString('utf8');
              break;
            case 'ucode':
            case 'other':
              await entry.skip();
              break;
            default:
              await sqfs.add(entry.header, entry.body);
          }
        }
        await sqfs.end();
      } catch (err) {
        sqfs.kill();
        throw err;
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

interface MksquashfsJob {
  add(header: TarHeader, body: AsyncIterable<Buffer>): Promise<void>;
  end(): Promise<void>;
  kill(): void;
}

/**
 * squashfs compression: gzip like LinuxKit's mksquashfs, but at level 1 instead of mksquashfs'
 * default 9 (10× less CPU for ~12 % more bytes; reading is as fast at any level), unless
 * --compress / a level is given. The kernel reads gzip, zstd and lz4 squashfs.
 */
export function compressionArgs(options: FormatOptions): string[] {
  switch (options.compress) {
    case undefined:
    case 'gzip':
    case 'zstd':
      return ['-comp', options.compress ?? 'gzip', '-Xcompression-level', String(options.level ?? (options.compress === 'zstd' ? 3 : 1))];
    case 'lz4':
      return ['-comp', 'lz4'];
    case 'none':
      return ['-noI', '-noD', '-noF', '-noX'];
  }
}

/**
 * The PAX records mksquashfs uses: extended attributes. Without the others (LINUXKIT.source and
 * .location) most entries need no PAX header at all, and so no `linkpath` record, which
 * squashfs-tools 4.5.1 cleans like a path: `/proc/mounts` became `proc/mounts`, `../../../..`
 * became `..`, and `/` an empty target unsquashfs cannot read. A symlink whose target needs PAX
 * (over 100 bytes, or with xattrs) still gets it (docs/formats.md).
 */
function squashfsPax(pax: Record<string, string> | null | undefined): Record<string, string> | undefined {
  const xattrs = xattrsFromPax(pax);
  return Object.keys(xattrs).length ? xattrsToPax(xattrs) : undefined;
}

function startMksquashfs(image: string, epoch: number, threads: number, compression: string[]): MksquashfsJob {
  // `mksquashfs - IMAGE -tar` rather than its alias `sqfstar`: in 4.5.1 sqfstar mis-parses
  // compressor options such as -Xcompression-level.
  const args = [
    '-',
    image,
    '-tar',
    '-noappend',
    ...compression,
    '-reproducible',
    '-root-mode',
    '755',
    '-root-uid',
    '0',
    '-root-gid',
    '0',
    '-processors',
    String(threads),
    '-quiet',
    '-no-progress',
    '-exit-on-error',
  ];
  // squashfs-tools 4.5.1 ignores -root-time in tar mode and stamps the root directory with the current
  // time; SOURCE_DATE_EPOCH is the one knob it honours there: creation time = epoch, and every
  // inode time (the root's included) clamped to at most the epoch.
  const env = { ...process.env, SOURCE_DATE_EPOCH: String(epoch) };
  const child = spawn('mksquashfs', args, { stdio: ['pipe', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new UserError('mksquashfs not found: install the Debian package squashfs-tools (≥ 4.5.1, for -tar)') : err),
    );
    child.on('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new UserError(
              `mksquashfs could not make the squashfs image (${signal ? `killed by ${signal}` : `exit status ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' ') || 'no message'}`,
            ),
          ),
    );
  });
  exited.catch(() => undefined);

  const tar = new TarWriter();
  tar.stream.on('error', () => undefined); // only ever destroyed by kill(), after a failure reported elsewhere
  tar.stream.pipe(child.stdin as Writable);
  // Writing waits for mksquashfs to read; when it has exited, nothing will: stop waiting then.
  const stopped = exited.then(() => {
    throw new UserError('mksquashfs exited before it had read the whole root filesystem');
  });
  stopped.catch(() => undefined);

  /**
   * When writing to mksquashfs fails (EPIPE: it exited), its own exit and message are the
   * error to report, not the broken pipe.
   */
  const why = async (err: unknown): Promise<unknown> => {
    const timeout = new Promise<unknown>((r) => setTimeout(() => r(err), 5000).unref());
    return Promise.race([
      exited.then(
        () => err,
        (exitErr: unknown) => exitErr,
      ),
      timeout,
    ]);
  };

  return {
    async add(header, body) {
      try {
        await addEntry(header, body);
      } catch (err) {
        throw await why(err);
      }
    },
    async end() {
      await Promise.race([tar.end(), exited]);
      await exited;
    },
    kill() {
      tar.destroy(new Error('mksquashfs was stopped'));
      child.kill('SIGKILL');
    },
  };

  async function addEntry(header: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    if (child.exitCode !== null || tar.destroyed) await exited; // mksquashfs gave up: report why
    await Promise.race([tar.add({ ...header, pax: squashfsPax(header.pax) }, body), stopped]);
    // Backpressure: wait while the pipe to mksquashfs is full.
    if (child.stdin.writableNeedDrain) await Promise.race([once(child.stdin, 'drain'), exited]);
  }
}
