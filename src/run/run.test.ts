// Unit tests of the run library's pure parts: flag parsing, image detection, qemu arguments,
// the metadata ISO, the KVM probe's cache handling.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UserError } from '../util/index.js';
import { defaultBackend, RUN_BACKENDS } from './backends.js';
import { NotImplementedError } from '../util/index.js';
import { parseDisk, parseDiskSizeMB } from './disk.js';
import { findBootImage } from './image.js';
import { metadataIso } from '../util/index.js';
import { extraNetdevs, netdevFor } from './networking.js';
import { checkHostPortsFree, parsePublish } from './publish.js';
import { machineType, qemuArgs, type QemuConfig } from './qemu-args.js';

function config(over: Partial<QemuConfig> = {}): QemuConfig {
  return {
    arch: 'x86_64',
    hostArch: 'x86_64',
    cpus: 1,
    memMB: 1024,
    uuid: '00000000-0000-0000-0000-000000000000',
    statePath: '/s',
    accel: 'tcg',
    disks: [],
    cdroms: [],
    isoBoot: false,
    gui: false,
    usb: false,
    devices: [],
    serial: { kind: 'stdio' },
    ...over,
  };
}

describe('--disk', () => {
  it('parses LinuxKit disk specs', () => {
    assert.deepEqual(parseDisk('disk.img'), { path: 'disk.img', sizeMB: 0, format: '' });
    assert.deepEqual(parseDisk('file=d.qcow2,size=2G,format=qcow2'), { path: 'd.qcow2', sizeMB: 2048, format: 'qcow2' });
    assert.deepEqual(parseDisk('size=512M'), { path: '', sizeMB: 512, format: '' });
    assert.equal(parseDiskSizeMB('3'), 3072, 'size defaults to GB');
  });
  it('rejects unknown keys and bad sizes', () => {
    assert.throws(() => parseDisk('file=a,speed=fast'), /unknown disk setting "speed"/);
    assert.throws(() => parseDisk('size=1T'), UserError);
  });
});

describe('--publish and --networking', () => {
  it('parses host:guest[/proto]', () => {
    assert.deepEqual(parsePublish('8080:80'), { host: 8080, guest: 80, protocol: 'tcp' });
    assert.deepEqual(parsePublish('53:53/UDP'), { host: 53, guest: 53, protocol: 'udp' });
    assert.throws(() => parsePublish('0:80'), /host port "0"/);
    assert.throws(() => parsePublish('1:2/sctp'), /tcp or udp/);
    assert.deepEqual(parsePublish('127.0.0.1:2375:2375'), { address: '127.0.0.1', host: 2375, guest: 2375, protocol: 'tcp' });
    assert.throws(() => parsePublish('localhost:2375:2375'), /"localhost" is not an IPv4 address/);
    assert.throws(() => parsePublish('1:2:3:4'), /expected \[<address>:\]<host>:<guest>/);
    assert.equal(
      netdevFor('user', [parsePublish('127.0.0.1:2375:2375'), parsePublish('53:53/udp')]),
      'user,id=t0,hostfwd=tcp:127.0.0.1:2375-:2375,hostfwd=udp::53-:53',
    );
  });
  it('builds -netdev values as LinuxKit', () => {
    assert.equal(netdevFor('default', []), 'user,id=t0');
    assert.equal(netdevFor('user', [parsePublish('2222:22')]), 'user,id=t0,hostfwd=tcp::2222-:22');
    assert.equal(netdevFor('tap,tap0', []), 'tap,id=t0,ifname=tap0,script=no,downscript=no');
    assert.equal(netdevFor('bridge,br0', []), 'bridge,id=t0,br=br0');
    assert.equal(netdevFor('none', []), undefined);
    assert.throws(() => netdevFor('bridge', []), /bridge,NAME/);
    assert.throws(() => netdevFor('tap,t0', [parsePublish('1:1')]), /requires "user"/);
    assert.throws(() => netdevFor('vdx', []), /invalid --networking mode "vdx"/);
    assert.throws(() => netdevFor('vde', []), /vde,DIR/);
  });
  it('adds network cards t1, t2, … (--add-network), e.g. on a vde switch', () => {
    assert.deepEqual(extraNetdevs(['vde,/tmp/sw', 'user']), ['vde,id=t1,sock=/tmp/sw', 'user,id=t2']);
    assert.throws(() => extraNetdevs(['none']), /a card needs a network/);
    const args = qemuArgs(
      config({ netdev: 'user,id=t0', mac: '02:00:00:00:00:10', extraNetdevs: [{ netdev: 'vde,id=t1,sock=/s', mac: '02:00:00:00:00:11' }] }),
    );
    const j = args.join(' ');
    assert.match(
      j,
      /-device virtio-net-pci,netdev=t0,mac=02:00:00:00:00:10 -netdev user,id=t0 -device virtio-net-pci,netdev=t1,mac=02:00:00:00:00:11 -netdev vde,id=t1,sock=\/s/,
    );
  });
  it('says which host port is already in use, and accepts it once free', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      await assert.rejects(
        checkHostPortsFree([parsePublish(`${port}:2375`)]),
        (e: Error) => e instanceof UserError && e.message.includes(`host port ${port} is already in use`),
      );
    } finally {
      await new Promise((r) => taken.close(r));
    }
    await checkHostPortsFree([parsePublish(`${port}:2375`)]);
  });
});

describe('image detection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lkts-image-'));
  const touch = (name: string) => writeFileSync(join(dir, name), 'x');
  it('finds kernel+initrd, kernel+squashfs, ISO and disk images from the path', () => {
    touch('a-kernel');
    touch('a-initrd.img');
    assert.equal(findBootImage(join(dir, 'a')).kind, 'kernel');
    touch('b-kernel');
    touch('b-squashfs.img');
    assert.equal(findBootImage(join(dir, 'b')).kind, 'squashfs');
    touch('c.iso');
    const iso = findBootImage(join(dir, 'c.iso'));
    assert.equal(iso.kind, 'iso');
    assert.equal(iso.prefix, join(dir, 'c'));
    touch('d.qcow2');
    assert.equal(findBootImage(join(dir, 'd.qcow2')).kind, 'disk');
    touch('e-efi.iso');
    assert.equal(findBootImage(join(dir, 'e-efi.iso')).looksUefi, true);
  });
  it('names what is missing', () => {
    assert.throws(() => findBootImage(join(dir, 'a'), { squashfs: true }), new RegExp(`squashfs image ${dir}/a-squashfs.img does not exist`));
    assert.throws(() => findBootImage(join(dir, 'a'), { kernel: true, iso: true }), /choose one of --kernel, --iso/);
  });
});

describe('qemu arguments', () => {
  it('uses q35 as LinuxKit, but pc when a CD-ROM or IDE disk is attached', () => {
    assert.equal(machineType(config()), 'q35');
    assert.equal(machineType(config({ cdroms: ['/s/data.iso'] })), 'pc');
    assert.equal(machineType(config({ disks: [{ path: 'd', sizeMB: 0, format: '' }] })), 'pc');
    assert.equal(machineType(config({ arch: 'aarch64', hostArch: 'x86_64' })), 'virt');
  });
  it('builds a kernel boot like LinuxKit, with -no-reboot and the serial console on stdio', () => {
    const a = qemuArgs(config({ kernel: 'k', initrd: 'i', cmdline: 'console=ttyS0', netdev: 'user,id=t0', mac: '02:00:00:00:00:01' }));
    const s = a.join(' ');
    assert.match(s, /^-smp 1 -m 1024 -uuid 0{8}-/);
    assert.match(s, /-machine q35,accel=tcg/);
    assert.match(s, /-no-reboot/);
    assert.match(s, /-device virtio-rng-pci,rng=rng0/);
    assert.match(s, /-kernel k -initrd i -append console=ttyS0/);
    assert.match(s, /-device virtio-net-pci,netdev=t0,mac=02:00:00:00:00:01 -netdev user,id=t0/);
    assert.match(s, /-nographic$/);
  });
  it('keeps index 2 (hdc) for the boot CD and adds metadata CDs after the disks', () => {
    const disks = ['a', 'b', 'c'].map((p) => ({ path: p, sizeMB: 0, format: p === 'c' ? 'qcow2' : '' }));
    const s = qemuArgs(config({ disks, isoBoot: true, cdroms: ['boot.iso', 'data.iso'], netdev: undefined })).join(' ');
    assert.match(s, /-drive file=a,index=0,media=disk -drive file=b,index=1,media=disk -drive file=c,format=qcow2,index=3,media=disk/);
    assert.match(s, /-boot d -cdrom boot.iso -drive file=data.iso,index=4,media=cdrom/);
    assert.match(s, /-net none/);
  });
  it('--guest-agent: a virtio-serial port named as libvirt names it, on a listening socket', () => {
    const s = qemuArgs(config({ guestAgent: '/s/qga.sock' })).join(' ');
    assert.match(
      s,
      /-chardev socket,id=qga0,path=\/s\/qga.sock,server=on,wait=off -device virtio-serial-pci -device virtserialport,chardev=qga0,name=org\.qemu\.guest_agent\.0/,
    );
    assert.doesNotMatch(qemuArgs(config()).join(' '), /chardev|virtio-serial/, 'nothing without the option');
  });
  it('detached: console to a file, daemonized', () => {
    const s = qemuArgs(config({ serial: { kind: 'file', path: '/s/console.log' } })).join(' ');
    assert.match(s, /-display none -serial file:\/s\/console.log -daemonize/);
    assert.doesNotMatch(s, /-nographic/);
  });
});

describe('metadata ISO', () => {
  it('is an ISO 9660 image with /config holding the data', () => {
    const data = Buffer.from('{"hello": "world"}');
    const iso = metadataIso(data);
    assert.equal(iso.length % 2048, 0);
    assert.equal(iso.subarray(16 * 2048 + 1, 16 * 2048 + 6).toString(), 'CD001');
    assert.equal(iso[17 * 2048], 255, 'descriptor set terminator');
    const volumeBlocks = iso.readUInt32LE(16 * 2048 + 80);
    assert.equal(volumeBlocks * 2048, iso.length);
    // The root directory: ".", "..", then CONFIG.;1 pointing at the data.
    const rootExtent = iso.readUInt32LE(16 * 2048 + 156 + 2);
    let off = rootExtent * 2048;
    off += iso[off]!;
    off += iso[off]!;
    const nameLen = iso[off + 32]!;
    assert.equal(iso.subarray(off + 33, off + 33 + nameLen).toString(), 'CONFIG.;1');
    const extent = iso.readUInt32LE(off + 2);
    const size = iso.readUInt32LE(off + 10);
    assert.deepEqual(iso.subarray(extent * 2048, extent * 2048 + size), data);
  });
});

describe('run backends', () => {
  it("lists LinuxKit's backends, with qemu the default on Linux", () => {
    assert.deepEqual(
      RUN_BACKENDS.map((b) => b.name),
      ['qemu', 'hyperkit', 'virtualization', 'vbox', 'hyperv', 'vmware', 'vcenter', 'aws', 'gcp', 'azure', 'openstack', 'scaleway', 'equinixmetal'],
    );
    assert.equal(defaultBackend('linux'), 'qemu');
    assert.equal(defaultBackend('darwin'), 'virtualization');
  });

  it('declares each backend with one positional argument and its own flags; a stub says it is not built yet', async () => {
    for (const b of RUN_BACKENDS) {
      assert.match(b.argument.syntax, /^<\w+>$/, `${b.name}: LinuxKit's run backends take exactly one argument`);
      assert.equal(new Set(b.flags.map((f) => f.flags)).size, b.flags.length, `${b.name}: a flag declared twice`);
    }
    const gcp = RUN_BACKENDS.find((b) => b.name === 'gcp')!;
    assert.ok(gcp.flags.some((f) => f.flags.startsWith('--zone ')));
    await assert.rejects(gcp.run('img', {}, {}), (e: unknown) => e instanceof NotImplementedError && /'linuxkit run gcp'/.test(e.message));
  });
});
