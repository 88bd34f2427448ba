// zstd and lz4 through Debian's own binaries: they are multi-threaded (zstd -T) or fast enough on
// one core (lz4), and the kernel's decompressors are written against exactly their formats.
// The child writes straight into the output file; we feed its stdin with backpressure.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Compressor } from './types.js';
import type { FileSink } from './file-sink.js';
import { UserError } from '../../util/index.js';

export class ExternalCompressor implements Compressor {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private stderr = '';

  constructor(
    private readonly out: FileSink,
    command: string,
    args: string[],
    debianPackage: string,
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', out.handle.fd, 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.stdin!.on('error', () => undefined); // reported through the exit status
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'ENOENT' ? new UserError(`${command} not found: install the Debian package ${debianPackage}`) : err),
      );
      this.child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? code}): ${this.stderr.trim()}`));
      });
    });
    this.exited.catch(() => undefined);
  }

  async write(chunk: Buffer): Promise<void> {
    const stdin = this.child.stdin!;
    if (!stdin.write(chunk)) await Promise.race([once(stdin, 'drain'), this.exited]);
  }

  async end(): Promise<void> {
    this.child.stdin!.end();
    await this.exited;
    await this.out.close();
  }

  destroy(): void {
    this.child.kill('SIGKILL');
    void this.out.close().catch(() => undefined);
  }
}
