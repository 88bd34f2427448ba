// One measured boot: qemu through the run library (src/run: the KVM probe and TCG fallback as
// for `linuxkit run qemu`), the console kept, and the machine stopped as soon as it has printed
// what is measured (the probe's memory line, the floor's line): the shutdown that follows is not
// measured and costs seconds under TCG.
import { ConsoleTimeoutError, runQemu } from '../run/index.js';

export interface BootSettings {
  mem: number;
  cpus: number;
  /** qemu's accelerator list; the host default (kvm:tcg where KVM works, else tcg) when unset. */
  accel?: string;
  timeoutMs: number;
}

export interface BootRun {
  console: string;
  /** Wall time from starting qemu to the line (or its end), s. */
  wall: number;
  /** The awaited line was seen. */
  ok: boolean;
  /** Why not, when not. */
  why?: string;
  /** The accelerator qemu was given. */
  accel: string;
}

export async function bootOnce(prefix: string, until: RegExp, s: BootSettings, state: string): Promise<BootRun> {
  const t0 = Date.now();
  const vm = await runQemu({ path: prefix, mem: s.mem, cpus: s.cpus, ...(s.accel && { accel: s.accel }), state, stdin: 'ignore', stderr: 'pipe' });
  const accel = /accel=([\w:]+)/.exec(vm.argv.join(' '))?.[1] ?? 'tcg';
  try {
    await vm.waitFor(until, s.timeoutMs);
    return { console: vm.text(), wall: (Date.now() - t0) / 1000, ok: true, accel };
  } catch (err) {
    if (!(err instanceof ConsoleTimeoutError)) throw err;
    const why =
      vm.status !== undefined
        ? `qemu stopped (status ${vm.status}) before ${until}${vm.errors() ? `: ${vm.errors().trim().split('\n').pop()}` : ''}`
        : `no ${until} within ${s.timeoutMs / 1000} s`;
    return { console: vm.text(), wall: (Date.now() - t0) / 1000, ok: false, why, accel };
  } finally {
    vm.kill('SIGKILL');
    await vm.wait();
  }
}
