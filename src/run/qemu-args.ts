// The qemu command line for a resolved configuration: a pure function, so the choices
// (machine type, disks, CD-ROMs, network, firmware) can be tested without starting qemu.
// Follows LinuxKit's buildQemuCmdline (lk:src/cmd/linuxkit/run_qemu.go) except where noted.
import type { DiskConfig } from './disk.js';

export interface QemuConfig {
  arch: 'x86_64' | 'aarch64' | 's390x' | 'riscv64';
  /** The host's arch in the same naming, to decide whether acceleration can apply. */
  hostArch: string;
  cpus: number;
  memMB: number;
  uuid: string;
  statePath: string;
  /** Accelerator list for `-machine …,accel=` (e.g. "kvm:tcg", "tcg"); empty for qemu's default. */
  accel: string;
  kernel?: string;
  initrd?: string;
  /** Kernel command line (-append), when booting a kernel directly. */
  cmdline?: string;
  /** Disks in order; the first is the boot disk for disk and squashfs boots. */
  disks: Array<Required<DiskConfig>>;
  /** CD-ROM images: the boot ISO first when booting one, then metadata ISOs. */
  cdroms: string[];
  isoBoot: boolean;
  /** UEFI firmware (a per-VM copy, since pflash is written to). */
  uefiFirmware?: string;
  /** -netdev value, or undefined for no network. */
  netdev?: string;
  mac?: string;
  /** More network cards (--add-network): -netdev values with ids t1, t2, …, and their MACs. */
  extraNetdevs?: Array<{ netdev: string; mac: string }>;
  gui: boolean;
  usb: boolean;
  devices: string[];
  /** A host Unix socket for the QEMU guest agent's virtio-serial port (--guest-agent). */
  guestAgent?: string;
  /** Serial console and display: 'stdio' (foreground) or a file (detached). */
  serial: { kind: 'stdio' } | { kind: 'file'; path: string };
}

/**
 * x86: q35 as LinuxKit, but `pc` when a drive (CD-ROM or disk) sits on the IDE/AHCI bus: q35
 * puts those drives on AHCI, which kernels without an AHCI driver (Debian's cloud kernel) cannot
 * see, while pc's PIIX IDE works with ata_piix. See docs/compatibility/run.md.
 */
export function machineType(c: QemuConfig): string {
  switch (c.arch) {
    case 's390x':
      return 's390-ccw-virtio';
    case 'aarch64':
      return c.accel && c.hostArch === 'aarch64' ? 'virt,gic_version=host' : 'virt';
    case 'riscv64':
      return 'virt';
    case 'x86_64':
      return c.cdroms.length > 0 || c.disks.length > 0 ? 'pc' : 'q35';
  }
}

export function qemuArgs(c: QemuConfig): string[] {
  const a: string[] = ['-smp', String(c.cpus), '-m', String(c.memMB), '-uuid', c.uuid];
  a.push('-pidfile', `${c.statePath}/qemu.pid`);
  if (c.arch === 'aarch64') a.push('-cpu', c.hostArch === 'aarch64' && c.accel ? 'host' : 'cortex-a57');
  a.push('-machine', c.accel ? `${machineType(c)},accel=${c.accel}` : machineType(c));
  // Reboot means stop: a LinuxKit machine is run to do its job, and a crash should not loop.
  a.push('-no-reboot');

  const virtioSuffix = c.arch === 's390x' ? 'ccw' : 'pci';
  a.push('-object', 'rng-random,id=rng0,filename=/dev/urandom', '-device', `virtio-rng-${virtioSuffix},rng=rng0`);

  // Disk indexes as LinuxKit: index 2 (hdc) is kept for the boot CD-ROM.
  let lastDisk = 0;
  c.disks.forEach((d, i) => {
    const index = i >= 2 && c.isoBoot ? i + 1 : i;
    a.push('-drive', `file=${d.path}${d.format ? `,format=${d.format}` : ''},index=${index},media=disk`);
    lastDisk = index;
  });
  if (c.isoBoot) a.push('-boot', 'd');
  lastDisk = Math.max(lastDisk, 2);
  c.cdroms.forEach((p, i) => {
    if (i === 0 && c.arch === 's390x') a.push('-device', 'virtio-scsi-ccw', '-device', 'scsi-cd,drive=cd1', '-drive', `file=${p},format=raw,if=none,id=cd1`);
    else if (i === 0) a.push('-cdrom', p);
    else a.push('-drive', `file=${p},index=${lastDisk + i},media=cdrom`);
  });

  if (c.uefiFirmware) a.push('-drive', `if=pflash,format=raw,file=${c.uefiFirmware}`);
  if (c.kernel) a.push('-kernel', c.kernel);
  if (c.initrd) a.push('-initrd', c.initrd);
  if (c.cmdline !== undefined) a.push('-append', c.cmdline);

  if (c.netdev === undefined) {
    a.push('-net', 'none');
  } else {
    a.push('-device', `virtio-net-${virtioSuffix},netdev=t0${c.mac ? `,mac=${c.mac}` : ''}`, '-netdev', c.netdev);
  }
  (c.extraNetdevs ?? []).forEach((n, i) => a.push('-device', `virtio-net-${virtioSuffix},netdev=t${i + 1},mac=${n.mac}`, '-netdev', n.netdev));

  if (c.serial.kind === 'file') a.push('-display', 'none', '-serial', `file:${c.serial.path}`, '-daemonize');
  else if (!c.gui) a.push('-nographic');
  if (c.usb) a.push('-usb');
  for (const d of c.devices) a.push('-device', d);
  if (c.guestAgent) a.push(...guestAgentArgs(c.guestAgent, virtioSuffix));
  return a;
}

/** The port name the guest agent listens on, as libvirt names it (and pkg/qemu-ga looks for). */
const GUEST_AGENT_PORT = 'org.qemu.guest_agent.0';

/**
 * A virtio-serial port named GUEST_AGENT_PORT, backed by a Unix socket that qemu listens on
 * (server=on, wait=off: the machine boots whether or not a client is connected), as libvirt
 * attaches the agent. LinuxKit's `run qemu` has no such option (its docs point to libvirt).
 */
function guestAgentArgs(socket: string, virtioSuffix: string): string[] {
  return [
    '-chardev',
    `socket,id=qga0,path=${socket},server=on,wait=off`,
    '-device',
    `virtio-serial-${virtioSuffix}`,
    '-device',
    `virtserialport,chardev=qga0,name=${GUEST_AGENT_PORT}`,
  ];
}
