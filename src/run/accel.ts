// Choosing qemu's accelerator without hanging.
//
// LinuxKit passes `-machine q35,accel=kvm:tcg` whenever /dev/kvm exists. qemu falls back to TCG
// only when KVM cannot be *initialised*; on hosts where KVM initialises but cannot run a guest
// (nested virtualisation with a CPU model the outer hypervisor half supports), qemu spins
// forever. So before using KVM we prove that it runs a guest, in two steps:
//   1. a 64 KiB BIOS of 7 bytes of real-mode code that writes to qemu's isa-debug-exit port:
//      qemu exits with status 85 only if guest code ran (≈0.1 s). Catches a missing or
//      unusable KVM (permissions, `-cpu host` aborts).
//   2. the kernel about to be booted, without initrd, under KVM: success is the kernel's
//      "Linux version" banner on the serial port within a few seconds. This is what finds the
//      hosts where real-mode code runs but the kernel's switch to long mode spins.
// The verdict is cached per (qemu binary, host kernel, /dev/kvm) in the tool cache, so the
// cost (up to PROBE_KERNEL_TIMEOUT_MS once per host) is paid once. Without a kernel to try
// (ISO or disk boots) and no cached verdict, KVM is not trusted: a slow boot beats a hang.
// LINUXKIT_KVM_DEVICE names the device to look for instead of /dev/kvm (qemu itself still
// opens /dev/kvm): with `--qemu WRAPPER` it lets the tests play a missing or a broken KVM.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { toolCacheDir } from '../util/index.js';
import { ifExistsSync } from '../util/index.js';

const DEBUG_EXIT_STATUS = (0x2a << 1) | 1;
const PROBE_BIOS_TIMEOUT_MS = 5000;
const PROBE_KERNEL_TIMEOUT_MS = 8000;

export interface KvmVerdict {
  works: boolean;
  /** Which probe decided, and what it saw. */
  reason: string;
  /** Whether this verdict is final for the host (and so cached). */
  definitive: boolean;
}

/** `mov al,0x2a; out 0xf4,al; hlt; jmp hlt` at the reset vector (offset 0xfff0 of a 64 KiB BIOS). */
function probeBios(): Buffer {
  const bios = Buffer.alloc(0x10000, 0xf4);
  Buffer.from([0xb0, 0x2a, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd]).copy(bios, 0xfff0);
  return bios;
}

interface ProbeRun {
  status: number | null;
  timedOut: boolean;
  output: string;
}

/** Runs qemu for at most timeoutMs; resolves early when `until` matches the output. */
function runProbe(qemu: string, args: string[], timeoutMs: number, until?: RegExp): Promise<ProbeRun> {
  return new Promise((resolve) => {
    const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let done = false;
    const finish = (r: ProbeRun) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(r);
    };
    const timer = setTimeout(() => finish({ status: null, timedOut: true, output }), timeoutMs);
    const onData = (b: Buffer) => {
      output += b.toString('latin1');
      if (output.length > 65536) output = output.slice(-65536);
      if (until?.test(output)) finish({ status: 0, timedOut: false, output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => finish({ status: null, timedOut: false, output: String(err) }));
    // 'close', not 'exit': qemu's last words (why it failed) may still be in the pipe at exit.
    child.on('close', (code) => finish({ status: code, timedOut: false, output }));
  });
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop()?.trim() ?? '';
}

async function probeKvm(qemu: string, kernel: string | undefined): Promise<KvmVerdict> {
  const dir = join(toolCacheDir(), 'probe');
  mkdirSync(dir, { recursive: true });
  const bios = join(dir, 'kvm-probe-bios.bin');
  writeFileSync(bios, probeBios());
  const common = ['-nodefaults', '-display', 'none', '-no-reboot', '-machine', 'pc,accel=kvm'];
  const step1 = await runProbe(qemu, [...common, '-m', '16', '-bios', bios, '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'], PROBE_BIOS_TIMEOUT_MS);
  if (step1.status !== DEBUG_EXIT_STATUS) {
    const why = step1.timedOut ? `no exit within ${PROBE_BIOS_TIMEOUT_MS} ms` : `qemu said: ${lastLine(step1.output) || `status ${step1.status}`}`;
    return { works: false, reason: `real-mode probe failed (${why})`, definitive: true };
  }
  if (!kernel) return { works: false, reason: 'real-mode probe passed, but there is no kernel to check long mode with', definitive: false };
  const step2 = await runProbe(
    qemu,
    [...common, '-m', '256', '-serial', 'stdio', '-kernel', kernel, '-append', 'console=ttyS0 earlyprintk=serial,ttyS0 panic=-1'],
    PROBE_KERNEL_TIMEOUT_MS,
    /Linux version/,
  );
  if (step2.status === 0 && /Linux version/.test(step2.output)) {
    return { works: true, reason: 'a kernel printed its banner under KVM', definitive: true };
  }
  const why = step2.timedOut ? `no kernel banner within ${PROBE_KERNEL_TIMEOUT_MS} ms` : `qemu said: ${lastLine(step2.output)}`;
  return { works: false, reason: `kernel probe failed (${why})`, definitive: true };
}

/** The KVM device whose presence means "try KVM": /dev/kvm, or $LINUXKIT_KVM_DEVICE (docs/run.md). */
function kvmDevice(): string {
  return process.env.LINUXKIT_KVM_DEVICE || '/dev/kvm';
}

function kvmDeviceExists(): boolean {
  return ifExistsSync(() => statSync(kvmDevice())) !== undefined;
}

/** What the verdict depends on: a change of qemu, host kernel or KVM device means probe again. */
function probeKey(qemu: string): string {
  const q = statSync(qemu);
  return `${qemu}|${q.size}|${q.mtimeMs}|${release()}|${statSync(kvmDevice()).rdev}`;
}

function cacheFile(): string {
  return join(toolCacheDir(), 'kvm-probe.json');
}

function readCache(): Record<string, KvmVerdict> {
  try {
    return JSON.parse(readFileSync(cacheFile(), 'utf8')) as Record<string, KvmVerdict>;
  } catch {
    return {};
  }
}

function writeCache(key: string, v: KvmVerdict): void {
  const all = { ...readCache(), [key]: v };
  mkdirSync(toolCacheDir(), { recursive: true });
  const tmp = `${cacheFile()}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n');
  renameSync(tmp, cacheFile());
}

const memo = new Map<string, KvmVerdict>();

/** Whether KVM really runs guests here; cached. `kernel` (optional) is used for the long-mode probe. */
export async function kvmWorks(qemu: string, kernel?: string): Promise<KvmVerdict> {
  if (!kvmDeviceExists()) return { works: false, reason: `${kvmDevice()} does not exist`, definitive: true };
  const key = probeKey(qemu);
  const hit = memo.get(key) ?? readCache()[key];
  if (hit) return hit;
  log.debug(`probing KVM with ${qemu}${kernel ? ` and ${kernel}` : ''}`);
  const verdict = await probeKvm(qemu, kernel);
  // Only definitive verdicts are kept: a failed real-mode probe, or a kernel probe either way.
  // "Real mode passed, no kernel to try" is asked again next time, when a kernel may be at hand.
  if (verdict.definitive) {
    memo.set(key, verdict);
    writeCache(key, verdict);
  }
  return verdict;
}

/** The host's default, as LinuxKit's: "kvm:tcg" where /dev/kvm exists, else plain TCG. */
export function defaultAccel(): string {
  return kvmDeviceExists() ? 'kvm:tcg' : 'tcg';
}

/**
 * The accelerator list to give qemu: KVM entries are kept only if KVM proves to work.
 * "tcg" (or any list without kvm) is returned as is, with no probe. An explicit "kvm" alone
 * that fails the probe is an error rather than a hang.
 */
export async function resolveAccel(requested: string, qemu: string, kernel?: string): Promise<string> {
  const list = requested.split(':').filter(Boolean);
  if (!list.includes('kvm')) return requested;
  const v = await kvmWorks(qemu, kernel);
  if (v.works) return requested;
  const rest = list.filter((a) => a !== 'kvm');
  if (rest.length === 0) {
    throw new UserError(`--accel kvm: KVM does not run guests on this host (${v.reason}); use --accel tcg`);
  }
  log.warn(`KVM is not usable here (${v.reason}); using ${rest.join(':')}`);
  return rest.join(':');
}
