// `linuxkit run qemu` against real qemu and Debian's cloud kernel, with a busybox initrd.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { defaultAccel, kvmWorks, resolveAccel } from '../src/run/accel.js';
import { boot, DEBUG_EXIT_DEVICE, debugExitProgram, installBusybox, makeKernelImage, tempDir, TEST_CMDLINE, writeFileIn } from './fixtures/boot.js';
import { debianCloudKernel } from './fixtures/debian.js';
import { installModules } from './fixtures/init-image.js';
import { CLI, ROOT, runCli } from './helpers.js';

const MARKER = 'linuxkit-ts-run-marker';

/** What qemu does when given accel=kvm: abort (as with "failed to set MSR 0x10a"), spin once the
 * kernel runs (real mode works: the BIOS probe runs under TCG), or work (both probes under TCG). */
type BrokenKvm = 'abort' | 'hang' | 'works';

interface QemuCall {
  kind: 'bios-kvm' | 'kernel-kvm' | 'boot-tcg';
  pid: number;
  args: string;
}

/** A qemu-system-x86_64 wrapper that plays a broken KVM and logs each call (kind, pid, arguments). */
function brokenKvmQemu(mode: BrokenKvm): { path: string; calls: () => QemuCall[] } {
  const dir = tempDir('qemu-wrapper');
  const log = join(dir, 'calls.log');
  const qemu = execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim();
  const onKvm = {
    abort: [
      'echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000" >&2',
      'echo "qemu-system-x86_64: ../target/i386/kvm/kvm.c:3107: kvm_buf_set_msrs: Assertion \\`ret == cpu->kvm_msr_buf->nmsrs\' failed." >&2',
      'kill -ABRT $$',
    ],
    hang: ['[ "$kind" = kernel-kvm ] && exec sleep 3600'],
    works: [],
  }[mode];
  const script = [
    '#!/bin/sh',
    `case "$*" in *accel=kvm*) ;; *) echo "boot-tcg $$ $*" >>${log}; exec ${qemu} "$@" ;; esac`,
    'case "$*" in *" -bios "*) kind=bios-kvm ;; *) kind=kernel-kvm ;; esac',
    `echo "$kind $$ $*" >>${log}`,
    ...onKvm,
    // Otherwise KVM "runs" the guest: the same arguments under TCG.
    'for a; do shift; case "$a" in *accel=kvm*) a=$(echo "$a" | sed s/accel=kvm/accel=tcg/) ;; esac; set -- "$@" "$a"; done',
    `exec ${qemu} "$@"`,
  ];
  const path = join(dir, 'qemu-system-x86_64');
  writeFileSync(path, script.join('\n') + '\n', { mode: 0o755 });
  const calls = () =>
    (existsSync(log) ? readFileSync(log, 'utf8') : '')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [kind, pid, ...args] = l.split(' ');
        return { kind: kind as QemuCall['kind'], pid: Number(pid), args: args.join(' ') };
      });
  return { path, calls };
}

/** A regular file: a "KVM device" that is there but is no KVM. */
function tempFile(name: string): string {
  const p = join(tempDir('file'), name);
  writeFileSync(p, '');
  return p;
}

/**
 * Runs the CLI asynchronously (a boot takes seconds; the test runner should not block). After
 * `timeoutMs` the CLI and everything it started (its own process group) are killed: a hang
 * is a failure, not a stuck test run.
 */
function runCliAsync(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 240_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      process.kill(-child.pid!, 'SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('linuxkit run qemu (real qemu, Debian cloud kernel)', { timeout: 300_000 }, () => {
  let prefix: string;

  before(() => {
    const root = tempDir('initrd');
    installBusybox(root);
    writeFileIn(root, 'bin/debug-exit', debugExitProgram(3), 0o755);
    // Prints a marker, then ends qemu with status (3<<1)|1 = 7 when the debug-exit device is
    // there, or powers off (status 0) when it is not.
    writeFileIn(
      root,
      'init',
      `#!/bin/sh\nmkdir -p /proc && mount -t proc proc /proc\necho "${MARKER} uptime=$(cut -d' ' -f1 /proc/uptime)"\n/bin/debug-exit\npoweroff -f\n`,
      0o755,
    );
    prefix = makeKernelImage(root, `${TEST_CMDLINE} quiet`);
  });

  it('boots PREFIX-kernel/-initrd.img/-cmdline, shows the console on stdout, exits 0 on poweroff', async () => {
    const log = join(tempDir('log'), 'console.log');
    const r = await runCliAsync(['run', 'qemu', '--accel', 'tcg', '--mem', '256', '--networking', 'none', '--console-log', log, prefix]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${MARKER} uptime=\\d`));
    assert.match(readFileSync(log, 'utf8'), new RegExp(MARKER), 'console also written to --console-log');
    assert.ok(existsSync(`${prefix}-state`), 'state directory PREFIX-state');
  });

  it("passes qemu's exit status on", async () => {
    const r = await runCliAsync(['run', 'qemu', '--accel', 'tcg', '--mem', '256', '--networking', 'none', '--device', DEBUG_EXIT_DEVICE, prefix]);
    assert.match(r.stdout, new RegExp(MARKER));
    assert.equal(r.status, 7, r.stderr);
  });

  it('linuxkit run PATH uses the default backend (qemu), with the shared flags before it', async () => {
    const r = await runCliAsync(['run', '--mem', '256', prefix], { LINUXKIT_QEMU_ACCEL: 'tcg' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(MARKER));
  });

  it('--detached: qemu in the background, its console in STATE/console.log', async () => {
    const state = tempDir('detached');
    const r = await runCliAsync(['run', 'qemu', '--accel', 'tcg', '--mem', '256', '--networking', 'none', '--detached', '--state', state, prefix]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^\d+$/, 'prints the pid');
    const log = join(state, 'console.log');
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && !(existsSync(log) && readFileSync(log, 'utf8').includes(MARKER))) {
      await new Promise((res) => setTimeout(res, 500));
    }
    assert.match(readFileSync(log, 'utf8'), new RegExp(MARKER));
  });

  it('library: runQemu gives a console to wait on, and a status', async () => {
    const vm = await boot(prefix, { state: tempDir('state') });
    try {
      await vm.waitFor(new RegExp(`${MARKER} uptime=`), 120_000);
      assert.equal(await vm.wait(), 0);
      // waitFor also matches a line still being printed (a prompt has no newline): "uptime=3"
      // may be all there is when it returns, so the whole line is read once the machine stopped.
      const line = vm
        .text()
        .split(/\r?\n/)
        .find((l) => l.includes(MARKER));
      assert.match(line ?? '', /uptime=\d+\.\d+/);
    } finally {
      vm.kill();
    }
  });

  it('library: waitFor rejects with the console tail when the machine stops first', async () => {
    const vm = await boot(prefix, { state: tempDir('state') });
    try {
      await assert.rejects(vm.waitFor('a line that never comes', 120_000), (err: Error) => {
        assert.match(err.message, /machine stopped \(status 0\)/);
        assert.match(err.message, new RegExp(MARKER));
        return true;
      });
    } finally {
      vm.kill();
    }
  });

  it('--data attaches a metadata CD-ROM holding /config, visible to a kernel without AHCI', async () => {
    const root = tempDir('initrd-cd');
    installBusybox(root);
    const mods = ['scsi/scsi_common.ko', 'scsi/scsi_mod.ko', 'cdrom/cdrom.ko', 'ata/libata.ko', 'ata/ata_piix.ko', 'scsi/sr_mod.ko'].map((m) => `drivers/${m}`);
    installModules(root, [...mods, 'fs/isofs/isofs.ko']);
    const rel = debianCloudKernel().release;
    writeFileIn(
      root,
      'init',
      [
        '#!/bin/sh',
        'mkdir -p /proc /dev /cd && mount -t proc proc /proc && mount -t devtmpfs dev /dev',
        ...[...mods, 'fs/isofs/isofs.ko'].map((m) => `insmod /lib/modules/${rel}/kernel/${m}`),
        'i=0; while [ ! -b /dev/sr0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
        'mount -t iso9660 -o ro /dev/sr0 /cd && echo "metadata: $(cat /cd/config)"',
        'poweroff -f',
      ].join('\n') + '\n',
      0o755,
    );
    const cdPrefix = makeKernelImage(root, `${TEST_CMDLINE} quiet`);
    const r = await runCliAsync(['run', 'qemu', '--accel', 'tcg', '--mem', '256', '--networking', 'none', '--data', '{"hello":"from the host"}', cdPrefix]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /metadata: \{"hello":"from the host"\}/);
    assert.ok(existsSync(`${cdPrefix}-state/data.iso`));
  });

  // KVM is played by LINUXKIT_KVM_DEVICE (what "is there a KVM" looks at) and a qemu wrapper
  // that fails the way a broken KVM fails when given accel=kvm, so that the probe, the fallback
  // and the cached verdict are exercised on every host, with or without a /dev/kvm.
  describe('the KVM probe, with a KVM that is missing or broken', () => {
    /** Runs the CLI with the broken KVM of `mode`, a fresh verdict cache and the device `device`. */
    const withKvm = (device: string, cache = tempDir('xdg')) => ({ XDG_CACHE_HOME: cache, LINUXKIT_QEMU_ACCEL: '', LINUXKIT_KVM_DEVICE: device });

    it('falls back to TCG when the kernel spins under KVM, within the probe time, and caches the verdict', async () => {
      const q = brokenKvmQemu('hang');
      const env = withKvm('/dev/null');
      const t0 = Date.now();
      // No --accel: LinuxKit's default for a host with a KVM device is kvm:tcg.
      const r = await runCliAsync(['run', 'qemu', '--qemu', q.path, '--mem', '256', '--networking', 'none', prefix], env, 90_000);
      const took = Date.now() - t0;
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(MARKER), 'the machine booted, under TCG');
      assert.match(r.stderr, /KVM is not usable here \(kernel probe failed \(no kernel banner within 8000 ms\)\); using tcg/);
      const calls = q.calls();
      assert.deepEqual(
        calls.map((c) => c.kind),
        ['bios-kvm', 'kernel-kvm', 'boot-tcg'],
        'real-mode probe, kernel probe, then the boot under TCG',
      );
      assert.match(calls[2]!.args, /-machine q35,accel=tcg /);
      assert.throws(() => process.kill(calls[1]!.pid, 0), { code: 'ESRCH' }, 'the spinning probe was killed');
      assert.ok(took < 8000 + 60_000, `took ${took} ms`);
      const cached = JSON.parse(readFileSync(join(env.XDG_CACHE_HOME, 'linuxkit-ts', 'kvm-probe.json'), 'utf8')) as Record<string, unknown>;
      const rdev = statSync('/dev/null').rdev;
      assert.deepEqual(Object.keys(cached), [`${q.path}|${statSync(q.path).size}|${statSync(q.path).mtimeMs}|${release()}|${rdev}`]);
      assert.deepEqual(Object.values(cached), [{ works: false, reason: 'kernel probe failed (no kernel banner within 8000 ms)', definitive: true }]);
      // The cached verdict is used: no probe (which would log at -v 2), no qemu run with KVM.
      const r2 = await runCliAsync(['-v', '2', 'run', 'qemu', '--qemu', q.path, '--mem', '256', '--networking', 'none', prefix], env);
      assert.equal(r2.status, 0, r2.stderr);
      assert.doesNotMatch(r2.stderr, /probing KVM/);
      assert.match(r2.stderr, /KVM is not usable here \(kernel probe failed/);
      assert.deepEqual(
        q
          .calls()
          .slice(3)
          .map((c) => c.kind),
        ['boot-tcg'],
      );
    });

    it('a qemu that aborts under KVM ("failed to set MSR 0x10a") fails the real-mode probe', async () => {
      const q = brokenKvmQemu('abort');
      const env = withKvm(tempFile('not-kvm'));
      process.env.XDG_CACHE_HOME = env.XDG_CACHE_HOME;
      process.env.LINUXKIT_KVM_DEVICE = env.LINUXKIT_KVM_DEVICE;
      try {
        assert.equal(defaultAccel(), 'kvm:tcg', 'a device is there');
        const v = await kvmWorks(q.path, `${prefix}-kernel`);
        assert.equal(v.works, false);
        assert.equal(v.definitive, true);
        assert.match(v.reason, /^real-mode probe failed \(qemu said: .*kvm_buf_set_msrs.*Assertion/);
        assert.deepEqual(
          q.calls().map((c) => c.kind),
          ['bios-kvm'],
          'no kernel probe after a failed real-mode probe',
        );
        assert.equal(await resolveAccel('kvm:tcg', q.path, `${prefix}-kernel`), 'tcg');
        await assert.rejects(resolveAccel('kvm', q.path, `${prefix}-kernel`), /--accel kvm: KVM does not run guests on this host \(real-mode probe failed/);
        assert.equal(q.calls().length, 1, 'the verdict is remembered');
      } finally {
        delete process.env.XDG_CACHE_HOME;
        delete process.env.LINUXKIT_KVM_DEVICE;
      }
      const cached = Object.values(JSON.parse(readFileSync(join(env.XDG_CACHE_HOME, 'linuxkit-ts', 'kvm-probe.json'), 'utf8')) as object);
      assert.equal(cached.length, 1);
      assert.match((cached[0] as { reason: string }).reason, /failed to set MSR 0x10a|Assertion/);
    });

    it('an explicit --accel kvm that cannot work is a clear error, not a hang', async () => {
      const q = brokenKvmQemu('hang');
      const r = await runCliAsync(['run', 'qemu', '--qemu', q.path, '--accel', 'kvm', '--networking', 'none', prefix], withKvm('/dev/null'), 60_000);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /--accel kvm: KVM does not run guests on this host \(kernel probe failed .*use --accel tcg/);
      assert.deepEqual(
        q.calls().map((c) => c.kind),
        ['bios-kvm', 'kernel-kvm'],
        'no boot',
      );
    });

    it('trusts a KVM that runs both probes (here qemu plays it with TCG), and caches that too', async () => {
      const q = brokenKvmQemu('works');
      const env = withKvm('/dev/null');
      process.env.XDG_CACHE_HOME = env.XDG_CACHE_HOME;
      process.env.LINUXKIT_KVM_DEVICE = env.LINUXKIT_KVM_DEVICE;
      try {
        assert.deepEqual(await kvmWorks(q.path, `${prefix}-kernel`), { works: true, reason: 'a kernel printed its banner under KVM', definitive: true });
        assert.equal(await resolveAccel('kvm:tcg', q.path, `${prefix}-kernel`), 'kvm:tcg');
      } finally {
        delete process.env.XDG_CACHE_HOME;
        delete process.env.LINUXKIT_KVM_DEVICE;
      }
      assert.deepEqual(
        q.calls().map((c) => c.kind),
        ['bios-kvm', 'kernel-kvm'],
      );
    });

    it('without the KVM device: TCG by default, no probe, and --accel kvm names the missing device', async () => {
      const q = brokenKvmQemu('hang');
      const missing = join(tempDir('nokvm'), 'kvm');
      const r = await runCliAsync(['-v', '2', 'run', 'qemu', '--qemu', q.path, '--mem', '256', '--networking', 'none', prefix], withKvm(missing));
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(MARKER));
      assert.doesNotMatch(r.stderr, /probing KVM|KVM is not usable/);
      assert.deepEqual(
        q.calls().map((c) => c.kind),
        ['boot-tcg'],
      );
      const r2 = await runCliAsync(['run', 'qemu', '--qemu', q.path, '--accel', 'kvm', '--networking', 'none', prefix], withKvm(missing));
      assert.equal(r2.status, 1);
      assert.match(r2.stderr, new RegExp(`--accel kvm: KVM does not run guests on this host \\(${missing} does not exist\\)`));
      assert.equal(q.calls().length, 1, 'no probe');
    });
  });
});

describe('linuxkit run qemu: bad input', () => {
  it('names the missing kernel when --kernel is given', () => {
    const dir = tempDir('bad');
    const prefix = join(dir, 'img');
    writeFileSync(`${prefix}-initrd.img`, 'x');
    const r = runCli(['run', 'qemu', '--kernel', '--accel', 'tcg', prefix]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`kernel ${prefix}-kernel does not exist`));
  });

  it('names the missing initrd of a kernel image', () => {
    const dir = tempDir('bad');
    const prefix = join(dir, 'img');
    writeFileSync(`${prefix}-kernel`, 'x');
    const r = runCli(['run', 'qemu', '--accel', 'tcg', prefix]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`initrd ${prefix}-initrd.img does not exist`));
  });

  it('explains what it looked for when nothing is there', () => {
    const prefix = join(tempDir('bad'), 'nothing');
    const r = runCli(['run', 'qemu', '--accel', 'tcg', prefix]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`no image at "${prefix}".*${prefix}-kernel`));
    assert.ok(!existsSync(`${prefix}-state`), 'no state directory left behind');
  });

  it('rejects bad flags with LinuxKit-like messages', () => {
    const prefix = join(tempDir('bad'), 'img');
    for (const [args, msg] of [
      [['--data', 'a', '--data-file', 'b'], /cannot specify both --data and --data-file/],
      [['--networking', 'tap'], /tap needs an interface/],
      [['--networking', 'none', '--publish', '80:80'], /--publish requires "user" networking/],
      [['--publish', '80'], /expected \[<address>:\]<host>:<guest>/],
      [['--disk', 'size=big'], /size "big"/],
      [['--cpus', '0'], /--cpus takes a positive whole number/],
    ] as const) {
      writeFileSync(`${prefix}-kernel`, 'x');
      writeFileSync(`${prefix}-initrd.img`, 'x');
      const r = runCli(['run', 'qemu', '--accel', 'tcg', ...args, prefix]);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.ok(!existsSync(`${prefix}-state`), `${args.join(' ')}: nothing created`);
    }
  });
});
