// The qemu backend of `linuxkit run`: LinuxKit's flags (lk:src/cmd/linuxkit/run_qemu.go) and
// running qemu in the foreground (console on stdio) or detached.
import { log } from '../util/index.js';
import type { FlagValues } from '../util/index.js';
import { defaultAccel } from './accel.js';
import type { RunBackend, SharedRunFlags } from './backend.js';
import { BOOT_KIND_FLAGS } from './image.js';
import { hostQemuArch, runQemu, runQemuDetached, type QemuRunOptions } from './qemu.js';

interface QemuFlags {
  gui: boolean;
  uefi: boolean;
  iso: boolean;
  squashfs: boolean;
  kernel: boolean;
  state?: string;
  data?: string;
  dataFile?: string;
  fw?: string;
  accel?: string;
  arch: string;
  qemu?: string;
  detached: boolean;
  networking: string;
  addNetwork: string[];
  publish: string[];
  guestfwd: string[];
  usb: boolean;
  device: string[];
  guestAgent?: string;
  consoleLog?: string;
}

async function runQemuBackend(path: string | undefined, flags: FlagValues, shared: SharedRunFlags): Promise<number> {
  const f = flags as unknown as QemuFlags;
  const opts: QemuRunOptions = {
    path: path!,
    boot: { kernel: f.kernel, squashfs: f.squashfs, iso: f.iso },
    uefi: f.uefi,
    fw: f.fw,
    cpus: shared.cpus,
    mem: shared.mem,
    disks: shared.disk,
    state: f.state,
    data: f.data,
    dataFile: f.dataFile,
    accel: f.accel,
    arch: f.arch,
    qemu: f.qemu,
    gui: f.gui,
    networking: f.networking,
    addNetworks: f.addNetwork,
    publish: f.publish,
    guestfwd: f.guestfwd,
    usb: f.usb,
    devices: f.device,
    guestAgent: f.guestAgent,
    consoleLog: f.consoleLog,
  };
  if (f.detached) {
    const vm = await runQemuDetached(opts);
    log.info(`qemu running in the background, pid ${vm.pid}; console in ${vm.consoleLog}; state in ${vm.statePath}`);
    process.stdout.write(`${vm.pid}\n`);
    return 0;
  }
  const vm = await runQemu({ ...opts, stdin: 'inherit', stderr: 'inherit', echo: process.stdout });
  // qemu is in our process group and gets ^C itself; we stay to report its status.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  try {
    return await vm.wait();
  } finally {
    process.off('SIGINT', ignore);
  }
}

export const qemu: RunBackend = {
  name: 'qemu',
  description: 'launch a VM using qemu',
  argument: { syntax: '<path>', description: 'image: PATH-kernel/-initrd.img/-cmdline prefix, an ISO, or a disk image' },
  flags: [
    { flags: '--gui', description: 'use video output instead of the serial console on stdio', default: false },
    { flags: '--uefi', description: 'use UEFI boot', default: false },
    ...BOOT_KIND_FLAGS,
    { flags: '--state <dir>', description: 'directory to keep VM state in (default PATH-state)' },
    { flags: '--data <string>', description: 'metadata to pass to the VM (a CD-ROM holding /config)' },
    { flags: '--data-file <file>', description: 'file with metadata to pass to the VM' },
    { flags: '--fw <file>', description: 'OVMF firmware for UEFI boot' },
    { flags: '--accel <accel>', description: `acceleration: ${defaultAccel()} by default here (KVM is probed first); 'tcg' disables it` },
    { flags: '--arch <arch>', description: 'architecture: x86_64, aarch64, s390x, riscv64', default: hostQemuArch() },
    { flags: '--qemu <path>', description: 'qemu binary (default qemu-system-ARCH from $PATH)' },
    { flags: '--detached', description: 'run in the background; console to STATE/console.log', default: false },
    {
      flags: '--networking <mode>',
      description: "networking: 'default', 'user', 'bridge,NAME', 'tap,NAME', 'vde,DIR' (linuxkit-ts) or 'none'",
      default: 'default',
    },
    {
      flags: '--add-network <mode>',
      description: "another network card, as --networking (repeatable; linuxkit-ts), e.g. 'vde,DIR' for a private network between machines",
      repeatable: true,
    },
    {
      flags: '--publish <[address:]host:guest[/proto]>',
      description: "publish a VM's port to the host, on every host address or on ADDRESS only (repeatable)",
      repeatable: true,
    },
    {
      flags: '--guestfwd <addr:port=host:port>',
      description:
        "forward the guest's TCP connections to addr:port (10.0.2.x, or 169.254.x.x for a metadata service) to a host server (repeatable; linuxkit-ts)",
      repeatable: true,
    },
    { flags: '--usb', description: 'enable a USB controller', default: false },
    { flags: '--device <spec>', description: 'add a qemu device: driver[,prop=value][,...] (repeatable)', repeatable: true },
    { flags: '--guest-agent <socket>', description: 'attach a QEMU guest agent port (org.qemu.guest_agent.0) on a host Unix socket (linuxkit-ts)' },
    { flags: '--console-log <file>', description: 'also write the serial console to FILE (linuxkit-ts)' },
  ],
  run: runQemuBackend,
};
