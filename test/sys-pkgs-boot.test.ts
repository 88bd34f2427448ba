// The system packages of LinuxKit's base set (pkg/swap, ip, binfmt, sysfs, modprobe, openntpd,
// ca-certificates, firmware, losetup, extend, dm-crypt) built from Debian packages into a fresh
// cache, and examples/swap.yml, static-ip.yml, wireguard.yml and dm-crypt.yml booted as
// committed (qemu, TCG), one boot each. Each build adds a small YAML file of checks: onboot
// containers, after the example's own, that print "CHECK name: value" lines on the console
// (onboot output goes there), then "CHECKS DONE"; the machine is killed after that.
// - swap.yml: the swap file is in /proc/swaps. The same boot runs binfmt (a qemu handler in
//   binfmt_misc), sysfs (a setting written), modprobe (built-in modules on a kernel without
//   modules), ntpd -n (openntpd's config check), losetup, extend, and looks at what the
//   ca-certificates and firmware init images put in the root.
// - static-ip.yml: eth0 has 10.10.1.225/24 and the default route; iproute2, iptables and wg run.
// - wireguard.yml: wg0 and wg1 have their keys and peers (`wg show`), and an HTTP request from
//   wg1's namespace reaches a server in wg0's through the tunnel.
// - dm-crypt.yml: on a disk the test encrypted on the host (plain dm-crypt, the example's key;
//   an ext4 filesystem holding a file), dm-crypt opens the partition, mount mounts it, the
//   host's file is read and the example's own file is written; after the boot the host
//   decrypts the partition and reads the guest's file. Bad input in the same boot: a missing
//   key file and a missing device are each said on the console, and boot goes on.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { VmHandle } from '../src/run/vm.js';
import type { QemuRunOptions } from '../src/run/qemu.js';
import { boot, tempDir } from './fixtures/boot.js';
import { plainDmCrypt } from './fixtures/dm-crypt.js';
import { buildProjectPackages } from './fixtures/packages.js';
import { ROOT, runCli } from './helpers.js';

const PACKAGES = [
  ...['kernel', 'init', 'crun', 'busybox', 'sysctl', 'dhcpcd', 'format', 'mount', 'getty', 'rngd'],
  ...['ca-certificates', 'swap', 'ip', 'binfmt', 'sysfs', 'modprobe', 'openntpd', 'firmware', 'losetup', 'extend', 'dm-crypt'],
];
const tmp = tempDir('sys-pkgs');
const cache = join(tmp, 'cache');
const refs = new Map<string, string>();
const ref = (name: string): string => refs.get(name)!;

before(async () => {
  for (const [name, r] of (await buildProjectPackages(cache, PACKAGES)).refs) refs.set(name, r);
});

/** `linuxkit build examples/NAME.yml checks.yml`; returns the image prefix. */
function buildExample(name: string, checks: string): string {
  const extra = join(tmp, `${name}-checks.yml`);
  writeFileSync(extra, checks);
  const b = runCli(['--cache', cache, 'build', '--name', name, '--dir', join(tmp, 'out'), join(ROOT, 'examples', `${name}.yml`), extra]);
  assert.equal(b.status, 0, b.stderr);
  return join(tmp, 'out', name);
}

/** Boots, waits for "CHECKS DONE", kills the machine; returns the console (shown on failure). */
async function bootChecks(name: string, image: string, opts: Partial<QemuRunOptions>): Promise<string> {
  let vm: VmHandle | undefined;
  try {
    vm = await boot(image, { state: join(tmp, `${name}-state`), ...opts });
    await vm.waitFor(/^CHECKS DONE\r?$/m, 400_000);
    // the sync of the last check reaches the disk image before qemu goes
    await new Promise((r) => setTimeout(r, 1000));
    return vm.text();
  } catch (err) {
    if (vm) process.stderr.write(`--- ${name} console ---\n${vm.text()}\n--- end ---\n`);
    throw err;
  } finally {
    vm?.kill('SIGKILL');
    if (vm) writeFileSync(join(tmp, `${name}-console.log`), vm.text());
  }
}

/** The value of each "CHECK name: value" line of a console. */
function checks(console: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of console.matchAll(/^CHECK ([\w-]+): ?(.*?)\r?$/gm)) out.set(m[1]!, m[2]!.trim());
  return out;
}

/** A check container: busybox (or IMAGE) running SCRIPT, whose output is the CHECK lines. */
function checkContainer(script: string, fields: string): string {
  return `  - name: checks
${fields}    command: [/bin/sh, -c, ${JSON.stringify(`${script}\necho CHECKS DONE`)}]
`;
}

describe('examples/swap.yml with binfmt, sysfs, modprobe, openntpd, losetup, extend, ca-certificates and firmware', { timeout: 900_000 }, () => {
  let c = new Map<string, string>();
  let console = '';
  before(async () => {
    const image = buildExample(
      'swap',
      `init:
  - ${ref('firmware')}
onboot:
  - name: binfmt
    image: ${ref('binfmt')}
  - name: sysfs
    image: ${ref('sysfs')}
    binds.add:
      - /etc/sysfs-test:/etc/sysfs.d
  - name: modprobe
    image: ${ref('modprobe')}
    command: [modprobe, -a, virtio_net, wireguard]
  - name: ntpd
    image: ${ref('openntpd')}
    command: [/usr/sbin/ntpd, -n]
  - name: losetup-busy
    image: ${ref('losetup')}
    command: [/usr/bin/loopy, --create, /var/external/loopfile]
  - name: losetup
    image: ${ref('losetup')}
    command: [/usr/bin/loopy, --create, --size, "4", --dev, /dev/loop1, /var/external/loopfile]
  - name: extend
    image: ${ref('extend')}
${checkContainer(
  `echo "CHECK swaps: $(tail -n +2 /proc/swaps | awk '{print $2, $3}')"
mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
echo "CHECK binfmt: $(grep -E '^(enabled|interpreter)' /proc/sys/fs/binfmt_misc/qemu-aarch64 | tr '\\n' ' ')"
echo "CHECK binfmt-handlers: $(ls /proc/sys/fs/binfmt_misc | grep -c '^qemu-')"
echo "CHECK readahead: $(cat /sys/block/sda/queue/read_ahead_kb)"
echo "CHECK certs: $(grep -c 'BEGIN CERTIFICATE' /host/etc/ssl/certs/ca-certificates.crt)"
echo "CHECK firmware: $(find /host/lib/firmware -type f | wc -l)"
echo "CHECK loop: $(cat /sys/block/loop1/loop/backing_file)"`,
  `    image: ${ref('busybox')}
    capabilities: [CAP_SYS_ADMIN]
    binds:
      - /etc/ssl:/host/etc/ssl
      - /lib/firmware:/host/lib/firmware
      - /sys:/sys
`,
)}files:
  - path: etc/sysfs-test/10-test.conf
    contents: "block/sda/queue/read_ahead_kb = 512\\n"
`,
    );
    console = await bootChecks('swap', image, { networking: 'user', disks: [{ path: join(tmp, 'swap-disk.img'), sizeMB: 256, format: 'raw' }] });
    c = checks(console);
  });

  it('swap: the encrypted 128M swap file is in /proc/swaps', () => {
    assert.match(console, /swap: \/dev\/mapper\/swapfile enabled \(128M\)/);
    // type and size in KiB (the 4 KiB header page is not swap)
    assert.equal(c.get('swaps'), `partition ${128 * 1024 - 4}`);
  });

  it('binfmt: the six qemu handlers of LinuxKit are registered in binfmt_misc', () => {
    assert.match(console, /binfmt: 6 handlers registered from \/etc\/binfmt.d, 0 not/);
    assert.equal(c.get('binfmt'), 'enabled interpreter /usr/bin/qemu-aarch64');
    assert.equal(c.get('binfmt-handlers'), '6');
  });

  it('sysfs writes the settings of its config directory to /sys', () => {
    assert.match(console, /sysfs: 1 settings applied from \/etc\/sysfs.d, 0 not/);
    assert.equal(c.get('readahead'), '512');
  });

  it('modprobe: on a kernel without modules, built-in drivers are said to be built in', () => {
    assert.match(console, /modprobe: virtio_net: built into the kernel, nothing to load/);
    assert.match(console, /onboot \d+-modprobe done status=0/);
  });

  it("openntpd: Debian's ntpd accepts LinuxKit's /etc/ntpd.conf (ntpd -n)", () => {
    assert.match(console, /configuration OK/);
  });

  it('losetup attaches the file it made to a loop device, or says the one it was given is in use; extend finds no room to grow the full disk', () => {
    // swap --encrypt took /dev/loop0 for its file (cryptsetup attaches a file to a loop device)
    assert.match(console, /loopy: \/dev\/loop0 is in use \(by \S*\/swap\): give another with --dev/);
    assert.match(console, /loopy: \/var\/external\/loopfile attached to \/dev\/loop1/);
    // the path as the kernel sees it from here: relative to the disk's filesystem, mounted elsewhere
    assert.match(c.get('loop') ?? '', /\/loopfile$/);
    assert.match(console, /extend: \/dev\/sda: no free space after \/dev\/sda1, nothing to do/);
  });

  it("ca-certificates and firmware (init images) put their files in the machine's root", () => {
    assert.ok(Number(c.get('certs')) > 100, `certificates in the bundle: ${c.get('certs')}`);
    assert.ok(Number(c.get('firmware')) > 10, `firmware files: ${c.get('firmware')}`);
  });
});

describe('examples/static-ip.yml: a fixed address with iproute2', { timeout: 900_000 }, () => {
  let c = new Map<string, string>();
  before(async () => {
    const image = buildExample(
      'static-ip',
      `onboot:
${checkContainer(
  `echo "CHECK addr: $(/bin/ip -4 -o addr show dev eth0 | awk '{print $4}')"
echo "CHECK route: $(/bin/ip route show default)"
echo "CHECK iproute2: $(/bin/ip -V)"
echo "CHECK iptables: $(iptables -t mangle -L -n >/dev/null && echo ok)"
echo "CHECK wg: $(wg --version | cut -d' ' -f1-2)"`,
  `    image: ${ref('ip')}
`,
)}`,
    );
    c = checks(await bootChecks('static-ip', image, { networking: 'user' }));
  });

  it('eth0 has the address and default route of /etc/ip/eth0.conf', () => {
    assert.equal(c.get('addr'), '10.10.1.225/24');
    assert.match(c.get('route') ?? '', /^default via 10\.10\.1\.100 dev eth0/);
  });

  it("the ip package's iproute2, iptables (nftables) and wg run", () => {
    assert.match(c.get('iproute2') ?? '', /iproute2-6\./);
    assert.equal(c.get('iptables'), 'ok');
    assert.match(c.get('wg') ?? '', /^wireguard-tools v1\./);
  });
});

describe('examples/wireguard.yml: two WireGuard interfaces with keys, talking through the tunnel', { timeout: 900_000 }, () => {
  let c = new Map<string, string>();
  before(async () => {
    const image = buildExample(
      'wireguard',
      `onboot:
${checkContainer(
  `echo "CHECK wg0: $(nsenter --net=/run/netns/wg0 wg show wg0 | grep -E 'public key|listening port|endpoint' | tr '\\n' ' ')"
echo "CHECK wg0-addr: $(nsenter --net=/run/netns/wg0 /bin/ip -4 -o addr show dev wg0 | awk '{print $4}')"
mkdir -p /tmp/www && echo through-the-tunnel >/tmp/www/index.html
nsenter --net=/run/netns/wg0 httpd -p 8080 -h /tmp/www
# port 8080: this container has no CAP_NET_BIND_SERVICE; no wget -T: Debian 12's busybox wget crashes with it
echo "CHECK http: $(nsenter --net=/run/netns/wg1 timeout 30 wget -q -O- http://192.168.2.1:8080/)"
echo "CHECK handshake: $(nsenter --net=/run/netns/wg1 wg show wg1 latest-handshakes | awk '{print ($2 > 0) ? "yes" : "no"}')"`,
  `    image: ${ref('ip')}
    capabilities: [CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW]
    binds:
      - /run:/run
`,
)}`,
    );
    c = checks(await bootChecks('wireguard', image, { networking: 'user' }));
  });

  it('wg show: wg0 has its key, port and peer (configured by lk-wg-config)', () => {
    // the public key of wg0's PrivateKey in examples/wireguard.yml, as wg1's peer names it
    assert.match(c.get('wg0') ?? '', /public key: 49LBpZHGbzCGEs0cqgIbG6B7GsNqlBYymZCn\+Xg4hnM=/);
    assert.match(c.get('wg0') ?? '', /listening port: 51820/);
    assert.match(c.get('wg0') ?? '', /endpoint: 127\.0\.0\.1:51821/);
    assert.equal(c.get('wg0-addr'), '192.168.2.1/24');
  });

  it("an HTTP request from wg1's namespace reaches wg0's through the tunnel (a handshake happened)", () => {
    assert.equal(c.get('http'), 'through-the-tunnel');
    assert.equal(c.get('handshake'), 'yes');
  });
});

describe('examples/dm-crypt.yml: a disk encrypted on the host, opened and mounted in the guest', { timeout: 900_000 }, () => {
  const KEY = Buffer.from('abcdefghijklmnopqrstuvwxyz123456'); // examples/dm-crypt.yml's
  const disk = join(tmp, 'crypt-disk.img');
  const START = 2048; // sectors: partition 1 at 1 MiB
  const PART_MB = 24;
  let c = new Map<string, string>();
  let console = '';

  before(async () => {
    // ext4 with a file, encrypted into partition 1 of a DOS disk
    const src = join(tmp, 'crypt-src');
    mkdirSync(src);
    writeFileSync(join(src, 'from-host'), 'written on the host\n');
    const part = join(tmp, 'crypt-part.img');
    execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', src, part, `${PART_MB}M`]);
    writeFileSync(disk, Buffer.alloc(0));
    execFileSync('truncate', ['-s', `${PART_MB + 2}M`, disk]);
    execFileSync('sfdisk', ['-q', disk], { input: `label: dos\nstart=${START}, size=${PART_MB * 2048}, type=83\n` });
    const fd = openSync(disk, 'r+');
    writeSync(fd, plainDmCrypt(readFileSync(part), KEY), 0, PART_MB * 1024 * 1024, START * 512);
    closeSync(fd);

    const image = buildExample(
      'dm-crypt',
      `onboot:
  - name: crypt-nokey
    image: ${ref('dm-crypt')}
    command: [/usr/bin/crypto, -k, missing-key, other, /dev/sda1]
  - name: crypt-nodisk
    image: ${ref('dm-crypt')}
    command: [/usr/bin/crypto, other, /dev/sdz1]
${checkContainer(
  `echo "CHECK host-file: $(cat /var/secure_storage/from-host)"
echo "CHECK guest-file: $(cat /var/secure_storage/secrets)"
echo "CHECK mount: $(grep ' /var/secure_storage ' /proc/1/mounts | cut -d' ' -f1,3)"
sync`,
  `    image: ${ref('busybox')}
    pid: host
    binds:
      - /var:/var
`,
)}`,
    );
    console = await bootChecks('dm-crypt', image, { networking: 'user', disks: [{ path: disk, sizeMB: 0, format: 'raw' }] });
    c = checks(console);
  });

  it('format leaves the partitioned disk alone; dm-crypt opens the partition and finds its ext4', () => {
    assert.match(console, /format: \/dev\/sda has content\. Skipping\./);
    assert.match(console, /crypto: opening \/dev\/sda1 \(plain dm-crypt, aes-cbc-essiv:sha256\) at \/dev\/mapper\/crypt_dev/);
    assert.match(console, /crypto: \/dev\/mapper\/crypt_dev holds a filesystem \(ext4\)/);
    assert.equal(c.get('mount'), '/dev/mapper/crypt_dev ext4');
  });

  it("the host's file is read in the guest, and the example's file written there", () => {
    assert.equal(c.get('host-file'), 'written on the host');
    assert.equal(c.get('guest-file'), 'secret things');
  });

  it("the host decrypts the partition and reads the guest's file", () => {
    const fd = openSync(disk, 'r');
    const enc = Buffer.alloc(PART_MB * 1024 * 1024);
    readSync(fd, enc, 0, enc.length, START * 512);
    closeSync(fd);
    const plain = join(tmp, 'crypt-plain.img');
    writeFileSync(plain, plainDmCrypt(enc, KEY, true));
    // the guest was killed, not shut down: replay ext4's journal first
    const fsck = spawnSync('e2fsck', ['-fy', plain], { encoding: 'utf8' });
    assert.ok(fsck.status !== null && fsck.status <= 1, `e2fsck: ${fsck.status} ${fsck.stdout}`);
    assert.equal(execFileSync('debugfs', ['-R', 'cat /secrets', plain], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), 'secret things\n');
  });

  it('bad input: a missing key file and a missing device are each said on the console, and boot goes on', () => {
    assert.match(console, /crypto: key file \/etc\/dm-crypt\/missing-key not found/);
    assert.match(console, /crypto: \/dev\/sdz1 is not a block device/);
    assert.match(console, /onboot \d+-crypt-nokey done status=1/);
    assert.match(console, /onboot \d+-crypt-nodisk done status=1/);
  });
});
