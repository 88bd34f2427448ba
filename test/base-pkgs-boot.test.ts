// The base packages (pkg/getty, sysctl, rngd, acpid, format, mount, metadata, poweroff) built from
// Debian packages into a fresh cache, put into two machines by the CLI and booted for real
// (qemu TCG) on one persistent disk. Several packages share each boot, as boots are slow.
//
// Boot 1: sysctl, rngd -1, format (blank disk), mount (by label) and metadata (a metadata ISO)
//   onboot; getty with INSECURE=true, rngd and acpid as services. The test types commands on
//   the serial console's root shell to check each package's effect, writes a file on the
//   disk, then presses the power button (qemu monitor's system_powerdown): acpid powers off,
//   onshutdown runs, qemu exits.
// Boot 2: examples/getty.yml plus format, mount and poweroff, on the same disk (with user
//   networking, for getty.yml's dhcpcd onboot). format leaves the disk alone, mount finds it
//   by itself, the file is still there; getty (no INSECURE) asks for a login and takes root's
//   password from /etc/getty.shadow; poweroff ends the machine after its delay, onshutdown runs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { VmHandle } from '../src/run/vm.js';
import { boot, check, tempDir } from './fixtures/boot.js';
import { ROOT, runCli } from './helpers.js';
import { buildProjectPackages } from './fixtures/packages.js';

const PACKAGES = ['kernel', 'init', 'crun', 'busybox', 'dhcpcd', 'getty', 'sysctl', 'rngd', 'acpid', 'format', 'mount', 'metadata', 'poweroff'];
const tmp = tempDir('base-pkgs');
const cache = join(tmp, 'cache');
const disk = join(tmp, 'disk.img');
const disk2 = join(tmp, 'disk2.img');
const refs = new Map<string, string>();
const ref = (name: string) => refs.get(name)!;

/** Builds a machine from YAML text (after other YAML files) with the CLI; returns the image prefix. */
function buildImage(name: string, yaml: string, before: string[] = []): string {
  const file = join(tmp, `${name}.yml`);
  writeFileSync(file, yaml);
  const out = join(tmp, 'out');
  const b = runCli(['--cache', cache, 'build', '--name', name, '--dir', out, ...before, file]);
  assert.equal(b.status, 0, b.stderr);
  return join(out, name);
}

/** The machine's console and exit status, killed if it hangs; the console is shown on failure. */
async function session(vm: VmHandle, steps: (vm: VmHandle) => Promise<void>, name: string): Promise<{ console: string; status: number }> {
  let status = -1;
  try {
    await steps(vm);
    await vm.waitFor(/reboot: Power down/, 180_000);
    status = await vm.wait();
  } catch (err) {
    process.stderr.write(`--- console ---\n${vm.text()}\n--- end ---\n`);
    throw err;
  } finally {
    vm.kill();
    // Kept with the other files (LKTS_KEEP_TMP=1 keeps them all) for a post-mortem.
    writeFileSync(join(tmp, `${name}-console.log`), vm.text());
  }
  return { console: vm.text(), status };
}

/** Stage lines of the init: "linuxkit-ts: UPTIME WHAT". */
function stageTime(console: string, what: string): number {
  const m = new RegExp(`linuxkit-ts: (\\d+\\.\\d+) ${what}\\r?$`, 'm').exec(console);
  assert.ok(m, `no stage "${what}" on the console`);
  return Number(m[1]);
}

/** Seconds poweroff waits in boot 2: time enough to log in on the console first. */
const POWEROFF_DELAY = 15;
const token = `persisted-${randomBytes(6).toString('hex')}`;
const userData = JSON.stringify({
  greeting: { content: 'hello from the metadata cd' },
  hostname: { content: 'vm-from-metadata' },
  ssh: { entries: { authorized_keys: { perm: '0600', content: 'ssh-ed25519 AAAAC3Nza test@host\n' } } },
});

describe('the base packages, booted', { timeout: 900_000 }, () => {
  const first: Record<string, string> = {};
  const second: Record<string, string> = {};
  let boot1 = { console: '', status: -1 };
  let boot2 = { console: '', status: -1 };

  before(async () => {
    for (const [name, r] of (await buildProjectPackages(cache, PACKAGES)).refs) refs.set(name, r);
    const head = `kernel:
  image: ${ref('kernel')}
  cmdline: "console=ttyS0"
init:
  - ${ref('init')}
  - ${ref('crun')}
`;
    const bye = `onshutdown:
  - name: bye
    image: ${ref('busybox')}
    command: [echo, "onshutdown ran"]
`;
    const image1 = buildImage(
      'base1',
      `${head}onboot:
  - name: sysctl
    image: ${ref('sysctl')}
  - name: rngd1
    image: ${ref('rngd')}
    command: [/sbin/rngd, "-1"]
  - name: format
    image: ${ref('format')}
    command: [/usr/bin/format, -label, DATA, /dev/sda]
  - name: mount
    image: ${ref('mount')}
    command: [/usr/bin/mountie, -label, DATA, /var/lib/docker]
  - name: format-gpt
    image: ${ref('format')}
    command: [/usr/bin/format, -partition, gpt, -label, GPT, /dev/sdb]
  - name: mount-gpt
    image: ${ref('mount')}
    command: [/usr/bin/mountie, -label, GPT, /var/gpt]
  - name: metadata
    image: ${ref('metadata')}
    command: [/usr/bin/metadata, cdrom]
services:
  - name: acpid
    image: ${ref('acpid')}
  - name: getty
    image: ${ref('getty')}
    env: [INSECURE=true]
  - name: rngd
    image: ${ref('rngd')}
${bye}`,
    );
    // examples/getty.yml (sysctl, getty with a root password, rngd) and what this test adds.
    const image2 = buildImage(
      'base2',
      `onboot:
  - name: format
    image: ${ref('format')}
  - name: mount
    image: ${ref('mount')}
    command: [/usr/bin/mountie, /var/lib/docker]
  - name: show
    image: ${ref('busybox')}
    binds: [/var/lib/docker:/data]
    command: [cat, /data/marker]
services:
  - name: poweroff
    image: ${ref('poweroff')}
    command: [/bin/sh, /poweroff.sh, "${POWEROFF_DELAY}"]
${bye}`,
      [join(ROOT, 'examples/getty.yml')],
    );
    const vm1 = await boot(image1, {
      state: join(tmp, 'state1'),
      data: userData,
      disks: [
        { path: disk, sizeMB: 64, format: 'raw' },
        { path: disk2, sizeMB: 32, format: 'raw' },
      ],
    });
    boot1 = await session(
      vm1,
      async (vm) => {
        // The shell's prompt (PS1 '\h:\w\$ ', then ash's cursor position query), after the
        // autologin's message of the day.
        await vm.waitFor(/^Welcome to linuxkit-ts!/, 240_000);
        await vm.waitFor(/^linuxkit-ts: [\d.]+ services started/, 60_000);
        await vm.waitFor(/:\S*# /, 30_000);
        // A wide terminal: ash redraws (and wraps) a typed line longer than the width.
        vm.send('stty cols 400\r');
        first.sysctl = await check(vm, 'sysctl', '$(cat /proc/sys/vm/max_map_count) $(cat /proc/sys/kernel/dmesg_restrict)');
        first.id = await check(vm, 'id', '$(id -u)');
        first.rngd = await check(vm, 'rngd', '$(pidof rngd | wc -w)');
        first.rngdlog = await check(vm, 'rngdlog', "$(cat /var/log/rngd.log /var/log/rngd.out.log 2>&1 | tr '\\n' ' ')");
        first.mount = await check(vm, 'mount', "$(grep ' /var/lib/docker ' /proc/1/mounts | cut -d' ' -f1-3)");
        first.gpt = await check(vm, 'gpt', "$(grep ' /var/gpt ' /proc/1/mounts | cut -d' ' -f1-3)");
        // Which file became /dev/sda (labelled DATA, the marker's disk): the kernel probes the
        // two disks asynchronously, so sda is not always the first one given to qemu.
        first.sdaSectors = await check(vm, 'sda', '$(cat /sys/block/sda/size)');
        first.greeting = await check(vm, 'greeting', '$(cat /run/config/greeting)');
        first.keys = await check(vm, 'keys', '$(stat -c %a /run/config/ssh/authorized_keys) $(cat /run/config/ssh/authorized_keys)');
        first.provider = await check(vm, 'provider', '$(cat /run/config/provider)');
        first.hostname = await check(vm, 'hostname', '$(cat /proc/sys/kernel/hostname)');
        vm.send(`echo ${token} >/proc/1/root/var/lib/docker/marker && sync\r`);
        first.written = await check(vm, 'written', '$(cat /proc/1/root/var/lib/docker/marker)');
        // The power button: qemu's monitor is one Ctrl-A c away on its -nographic console.
        vm.send('\x01c');
        vm.send('system_powerdown\r');
      },
      'boot1',
    );

    const dataDisk = first.sdaSectors === String((32 * 1024 * 1024) / 512) ? disk2 : disk;
    const vm2 = await boot(image2, { state: join(tmp, 'state2'), networking: 'user', disks: [{ path: dataDisk, sizeMB: 0, format: 'raw' }] });
    boot2 = await session(
      vm2,
      async (vm) => {
        // examples/getty.yml's /etc/getty.shadow gives root the password "abcdefgh".
        await vm.waitFor(/ login: /, 240_000);
        vm.send('root\r');
        await vm.waitFor(/Password: /, 30_000);
        vm.send('abcdefgh\r');
        await vm.waitFor(/^Welcome to linuxkit-ts!/, 30_000);
        await vm.waitFor(/:\S*# /, 30_000);
        second.id = await check(vm, 'id', '$(id -u)');
      },
      'boot2',
    );
  });

  it("sysctl applies LinuxKit's defaults", () => {
    assert.match(boot1.console, /sysctl: \d+ settings applied from \/etc\/sysctl.d/m);
    assert.equal(first.sysctl, '262144 1');
  });

  it('getty with INSECURE=true gives a root shell on the serial console', () => {
    assert.match(boot1.console, /getty: starting getty for ttyS0/m);
    assert.match(boot1.console, /\(ns: getty\) \S*:\S*# /, 'the prompt says the shell is in the getty container');
    assert.equal(first.id, '0');
  });

  it('rngd feeds the pool once (-1) as an onboot container, and runs as a service', () => {
    assert.match(boot1.console, /rngd: fed the entropy pool once/m);
    assert.equal(first.rngd, '1');
    // rng-tools5 is silent while it works; it reports a source it cannot use, or none.
    assert.doesNotMatch(first.rngdlog, /can't|cannot|unable|fail|error/i, first.rngdlog);
  });

  it('format makes a filesystem on the blank disk; mount finds it by label and mounts it', () => {
    assert.match(boot1.console, /format: Creating partition on \/dev\/sda \(dos partition table\)/);
    assert.match(boot1.console, /format: Partition \/dev\/sda1 successfully created!/m);
    assert.equal(first.mount, '/dev/sda1 /var/lib/docker ext4');
    assert.equal(first.written, token);
  });

  it('format -partition gpt: a GPT disk, mounted by its label', () => {
    assert.match(boot1.console, /format: Creating partition on \/dev\/sdb \(gpt partition table\)/);
    assert.match(boot1.console, /format: Partition \/dev\/sdb1 successfully created!/);
    assert.equal(first.gpt, '/dev/sdb1 /var/gpt ext4');
  });

  it("metadata puts the CD's JSON user data into /run/config as files", () => {
    assert.equal(first.provider, 'CDROM /dev/sr0');
    assert.equal(first.greeting, 'hello from the metadata cd');
    assert.equal(first.keys, '600 ssh-ed25519 AAAAC3Nza test@host');
  });

  it('metadata sets the machine\'s hostname from the user data\'s "hostname" (the host uts namespace, as LinuxKit)', () => {
    assert.match(boot1.console, /Set hostname to: vm-from-metadata\r?$/m);
    assert.equal(first.hostname, 'vm-from-metadata');
  });

  it('acpid: the power button gives a clean poweroff (onshutdown runs, qemu exits 0)', () => {
    assert.match(boot1.console, /acpid: power button pressed, powering off/m);
    assert.match(boot1.console, /onshutdown ran\r?$/m);
    assert.equal(boot1.status, 0);
  });

  it('on the next boot, format leaves the disk alone and the file written is there', () => {
    assert.match(boot2.console, /format: \/dev\/sda has content\. Skipping\./m);
    assert.doesNotMatch(boot2.console, /successfully created/);
    assert.match(boot2.console, /mountie: mounted \/dev\/sda1 at \/var\/lib\/docker/m);
    assert.match(boot2.console, new RegExp(`${token}\\r?$`, 'm'));
  });

  it("examples/getty.yml: getty without INSECURE asks for a login, root's password is the one of /etc/getty.shadow", () => {
    assert.match(boot2.console, /^\S+ login: /m);
    assert.match(boot2.console, /root login on 'ttyS0'/);
    assert.equal(second.id, '0');
  });

  it('poweroff powers the machine off after its delay: onshutdown runs, qemu exits 0', () => {
    // Its message is in its log (/var/log/poweroff.out.log); the console has the init's stages.
    // The init prints "started" once crun has started the container, whose sleep may already be
    // running by then: up to a second early still means the delay was kept (ignoring it gives ~0).
    const delay = stageTime(boot2.console, 'shutdown start') - stageTime(boot2.console, 'service poweroff started');
    assert.ok(delay >= POWEROFF_DELAY - 1 && delay < POWEROFF_DELAY + 20, `shutdown ${delay} s after poweroff started`);
    assert.match(boot2.console, /onshutdown ran\r?$/m);
    assert.equal(boot2.status, 0);
  });
});
