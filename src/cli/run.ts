// `linuxkit run`: LinuxKit's flags (lk:src/cmd/linuxkit/run.go, run_qemu.go). The shared flags
// --cpus, --mem and --disk are accepted before or after the backend name, as cobra's
// persistent flags are. Backends come from the registry in src/run/backends.ts.
import { Command } from 'commander';
import { UserError } from '../util/errors.js';
import { log } from '../util/log.js';
import { defaultAccel } from '../run/accel.js';
import { RUN_BACKENDS, defaultBackend } from '../run/backends.js';
import { parseDisk, type DiskConfig } from '../run/disk.js';
import { hostQemuArch, runQemu, runQemuDetached, type QemuRunOptions } from '../run/qemu.js';
import { collect } from './context.js';
import { ExitStatus } from './exit-status.js';
import { notYet } from './not-yet.js';

interface SharedFlags {
  cpus?: number;
  mem?: number;
  disk?: DiskConfig[];
}

interface QemuFlags extends SharedFlags {
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
  publish: string[];
  usb: boolean;
  device: string[];
  consoleLog?: string;
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} takes a positive whole number, not "${v}"`);
    return n;
  };
}

function collectDisk(v: string, prev: DiskConfig[] = []): DiskConfig[] {
  return [...prev, parseDisk(v)];
}

/** --cpus/--mem/--disk, without defaults so that a value given on `run` or on the backend both count. */
function addSharedFlags(cmd: Command): Command {
  return cmd
    .option('--cpus <n>', 'number of CPUs (default 1)', positiveInt('--cpus'))
    .option('--mem <mb>', 'amount of memory in MB (default 1024)', positiveInt('--mem'))
    .option('--disk <spec>', 'disk config [file=]path[,size=1G][,format=qcow2] (repeatable)', collectDisk);
}

function sharedFrom(cmd: Command): SharedFlags {
  const own = cmd.opts<SharedFlags>();
  const parent = cmd.parent?.opts<SharedFlags>() ?? {};
  return {
    cpus: own.cpus ?? parent.cpus,
    mem: own.mem ?? parent.mem,
    disk: [...(parent.disk ?? []), ...(own.disk ?? [])],
  };
}

function addQemuFlags(cmd: Command): Command {
  return addSharedFlags(cmd)
    .option('--gui', 'use video output instead of the serial console on stdio', false)
    .option('--uefi', 'use UEFI boot', false)
    .option('--iso', 'boot image is an ISO', false)
    .option('--squashfs', 'boot image is a kernel+squashfs+cmdline', false)
    .option('--kernel', "boot image is kernel+initrd+cmdline 'path'-kernel/-initrd.img/-cmdline", false)
    .option('--state <dir>', 'directory to keep VM state in (default PATH-state)')
    .option('--data <string>', 'metadata to pass to the VM (a CD-ROM holding /config)')
    .option('--data-file <file>', 'file with metadata to pass to the VM')
    .option('--fw <file>', 'OVMF firmware for UEFI boot')
    .option('--accel <accel>', `acceleration: ${defaultAccel()} by default here (KVM is probed first); 'tcg' disables it`)
    .option('--arch <arch>', 'architecture: x86_64, aarch64, s390x, riscv64', hostQemuArch())
    .option('--qemu <path>', 'qemu binary (default qemu-system-ARCH from $PATH)')
    .option('--detached', 'run in the background; console to STATE/console.log', false)
    .option('--networking <mode>', "networking: 'default', 'user', 'bridge,NAME', 'tap,NAME' or 'none'", 'default')
    .option('--publish <host:guest[/proto]>', "publish a VM's port to the host (repeatable)", collect, [])
    .option('--usb', 'enable a USB controller', false)
    .option('--device <spec>', 'add a qemu device: driver[,prop=value][,...] (repeatable)', collect, [])
    .option('--console-log <file>', 'also write the serial console to FILE (linuxkit-ts)');
}

async function runQemuCli(path: string, f: QemuFlags, shared: SharedFlags): Promise<void> {
  const opts: QemuRunOptions = {
    path,
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
    publish: f.publish,
    usb: f.usb,
    devices: f.device,
    consoleLog: f.consoleLog,
  };
  if (f.detached) {
    const vm = await runQemuDetached(opts);
    log.info(`qemu running in the background, pid ${vm.pid}; console in ${vm.consoleLog}; state in ${vm.statePath}`);
    process.stdout.write(`${vm.pid}\n`);
    return;
  }
  const vm = await runQemu({ ...opts, stdin: 'inherit', stderr: 'inherit', echo: process.stdout });
  // qemu is in our process group and gets ^C itself; we stay to report its status.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  try {
    const status = await vm.wait();
    if (status !== 0) throw new ExitStatus(status);
  } finally {
    process.off('SIGINT', ignore);
  }
}

function qemuCommand(): Command {
  return addQemuFlags(new Command('qemu'))
    .description('launch a VM using qemu')
    .argument('<path>', 'image: PATH-kernel/-initrd.img/-cmdline prefix, an ISO, or a disk image')
    .action(async (path: string, f: QemuFlags, cmd: Command) => runQemuCli(path, f, sharedFrom(cmd)));
}

const BACKEND_COMMANDS: Partial<Record<string, () => Command>> = { qemu: qemuCommand };

export function runCommand(): Command {
  const run = addSharedFlags(new Command('run'))
    .description('run a VM image on a local hypervisor or remote cloud')
    .argument('[path]', "image to run with the platform's default backend (qemu on Linux)")
    .action(async (path: string | undefined, _f: SharedFlags, cmd: Command) => {
      const name = defaultBackend();
      if (!path) {
        cmd.help({ error: true });
        return;
      }
      if (name !== 'qemu') throw new UserError(`there is no default 'run' backend for ${process.platform} yet`);
      // The default backend with its default flags, as LinuxKit's `run PATH`.
      const defaults = addQemuFlags(new Command('qemu')).parse([], { from: 'user' }).opts<QemuFlags>();
      await runQemuCli(path, defaults, cmd.opts<SharedFlags>());
    });
  for (const b of RUN_BACKENDS) {
    const make = BACKEND_COMMANDS[b.name];
    run.addCommand(make && b.implemented ? make() : notYet(new Command(b.name).description(b.description).allowUnknownOption()));
  }
  return run;
}
