// `linuxkit run qemu` against real qemu and Debian's cloud kernel, with a busybox initrd.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { kvmWorks } from '../src/run/accel.js';
import {
  boot,
  DEBUG_EXIT_DEVICE,
  debugExitProgram,
  installBusybox,
  makeKernelImage,
  tempDir,
  TEST_CMDLINE,
  writeFileIn,
} from './fixtures/boot.js';
import { debianCloudKernel } from './fixtures/debian.js';
import { installModules } from './fixtures/init-image.js';
import { CLI, ROOT, runCli } from './helpers.js';

const MARKER = 'linuxkit-ts-run-marker';

/** Runs the CLI asynchronously (a boot takes seconds; the test runner should not block). */
function runCliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
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
      const line = vm.text().split(/\r?\n/).find((l) => l.includes(MARKER));
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

  it('falls back from KVM to TCG when KVM does not run guests, and caches the verdict', async () => {
    if (!existsSync('/dev/kvm')) return; // nothing to probe: the default is TCG already
    const cache = tempDir('xdg');
    const env = { XDG_CACHE_HOME: cache, LINUXKIT_QEMU_ACCEL: '' };
    const t0 = Date.now();
    // No --accel: LinuxKit's default for a host with /dev/kvm is kvm:tcg.
    const r = await runCliAsync(['run', 'qemu', '--mem', '256', '--networking', 'none', prefix], env);
    const first = Date.now() - t0;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(MARKER));
    const verdicts = Object.values(JSON.parse(readFileSync(join(cache, 'linuxkit-ts', 'kvm-probe.json'), 'utf8')) as Record<string, { works: boolean }>);
    assert.equal(verdicts.length, 1, 'one cached verdict');
    const works = verdicts[0]!.works;
    if (!works) assert.match(r.stderr, /KVM is not usable here .*; using tcg/);
    // The cached verdict is reused: no second probe (which would log at -v 2).
    const r2 = await runCliAsync(['-v', '2', 'run', 'qemu', '--mem', '256', '--networking', 'none', prefix], env);
    assert.equal(r2.status, 0, r2.stderr);
    assert.doesNotMatch(r2.stderr, /probing KVM/);
    assert.ok(first < 120_000);
  });

  it('an explicit --accel kvm that cannot work is a clear error, not a hang', async (t) => {
    if (!existsSync('/dev/kvm')) return t.skip('no /dev/kvm');
    const v = await kvmWorks('/usr/bin/qemu-system-x86_64', `${prefix}-kernel`);
    if (v.works) return t.skip('KVM works on this host');
    const r = await runCliAsync(['run', 'qemu', '--accel', 'kvm', '--networking', 'none', prefix]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--accel kvm: KVM does not run guests on this host .*use --accel tcg/);
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
      [['--publish', '80'], /expected <host>:<guest>/],
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
