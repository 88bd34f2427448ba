// `linuxkit run qemu` as a library: resolve an image path and LinuxKit's options into a qemu
// command line, create what the machine needs in its state directory (disks, metadata ISO,
// MAC address, UEFI variables), and start qemu. Returns a VmHandle (console, wait, kill).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { defaultAccel, resolveAccel } from './accel.js';
import type { DiskConfig } from './disk.js';
import { findBootImage, type BootKindFlags } from './image.js';
import { writeMetadataIso } from '../util/index.js';
import { extraNetdevs, netdevFor } from './networking.js';
import { checkHostPortsFree, parsePublish } from './publish.js';
import { parseGuestForward } from './guestfwd.js';
import { qemuArgs, type QemuConfig } from './qemu-args.js';
import { VmHandle } from './vm.js';

export interface QemuRunOptions {
  /** Image path or prefix, as for `linuxkit run qemu PATH`. */
  path: string;
  /** Force the boot kind (--kernel, --squashfs, --iso); found from the path otherwise. */
  boot?: BootKindFlags;
  uefi?: boolean;
  /** OVMF firmware for --uefi. */
  fw?: string;
  cpus?: number;
  mem?: number;
  disks?: DiskConfig[];
  /** State directory; PREFIX-state by default. */
  state?: string;
  /** Metadata for the VM, attached as a CD-ROM holding /config (--data / --data-file). */
  data?: string;
  dataFile?: string;
  /** "tcg", "kvm", "kvm:tcg", …; the host default (LINUXKIT_QEMU_ACCEL overrides it). */
  accel?: string;
  arch?: string;
  /** The qemu binary; qemu-system-ARCH from $PATH by default. */
  qemu?: string;
  gui?: boolean;
  networking?: string;
  /** More network cards (`--add-network`, linuxkit-ts): each a --networking mode, e.g. vde,DIR. */
  addNetworks?: string[];
  publish?: string[];
  /** `ADDR:PORT=HOST:PORT` rules: guest connections to ADDR:PORT reach HOST:PORT (--guestfwd). */
  guestfwd?: string[];
  usb?: boolean;
  devices?: string[];
  /** Attach the QEMU guest agent's port, backed by a Unix socket at this host path (--guest-agent). */
  guestAgent?: string;
  /** Kernel command line to use instead of PREFIX-cmdline (library extension, for tests). */
  cmdline?: string;
  /** Also write the console to this file. */
  consoleLog?: string;
  /** Copy the console to this stream as well (the CLI's stdout). */
  echo?: NodeJS.WritableStream;
  /** qemu's stdin: the CLI passes 'inherit' so the console is interactive. */
  stdin?: 'inherit' | 'pipe' | 'ignore';
  /** qemu's stderr: inherited by default. */
  stderr?: 'inherit' | 'pipe' | 'ignore';
}

const ARCHES = ['x86_64', 'aarch64', 's390x', 'riscv64'] as const;
type QemuArch = (typeof ARCHES)[number];

/** Node's arch → qemu's name for it. */
export function hostQemuArch(): string {
  const map: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}

function parseArch(a: string | undefined): QemuArch {
  const arch = a ?? hostQemuArch();
  // LinuxKit's GOARCH names are accepted too.
  const alias: Record<string, QemuArch> = { amd64: 'x86_64', arm64: 'aarch64' };
  const v = alias[arch] ?? arch;
  if (!(ARCHES as readonly string[]).includes(v)) throw new UserError(`--arch ${arch} is not supported (x86_64, aarch64, s390x or riscv64)`);
  return v as QemuArch;
}

/** Finds a program by name in $PATH (or checks a given path). */
export function findProgram(name: string, hint: string): string {
  if (name.includes('/')) {
    if (!existsSync(name)) throw new UserError(`${name} does not exist`);
    return name;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  throw new UserError(`unable to find ${name} in $PATH (${hint})`);
}

/** The MAC kept in STATE/mac-addr, so a machine keeps its address (and DHCP lease) across runs. */
function stateMac(state: string): string {
  const file = join(state, 'mac-addr');
  if (existsSync(file)) {
    const mac = readFileSync(file, 'utf8').trim();
    if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) throw new UserError(`${file}: "${mac}" is not a MAC address`);
    return mac;
  }
  const b = randomBytes(6);
  b[0] = (b[0]! & ~0x01) | 0x02; // unicast, locally administered
  const mac = [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
  writeFileSync(file, mac, { mode: 0o640 });
  return mac;
}

/** The MAC of extra card N: the machine's MAC with N added to its last byte (unique per machine). */
function cardMac(mac: string, n: number): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  b[5] = (b[5]! + n) & 0xff;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** LinuxKit's default path first, then where Debian's `ovmf` puts the combined image (code + variables). */
const FIRMWARE_CANDIDATES = ['/usr/share/ovmf/bios.bin', '/usr/share/ovmf/OVMF.fd', '/usr/share/qemu/OVMF.fd'];

/** UEFI firmware, copied into the state directory: pflash is writable (EFI variables live there). */
function uefiFirmware(fw: string | undefined, state: string): string {
  const src = fw ?? FIRMWARE_CANDIDATES.find((p) => existsSync(p));
  if (!src) throw new UserError(`--uefi: no OVMF firmware found (looked for ${FIRMWARE_CANDIDATES.join(', ')}); install the Debian package ovmf, or pass --fw`);
  if (!existsSync(src)) throw new UserError(`--fw ${src} does not exist; please ensure OVMF is installed`);
  const copy = join(state, 'uefi-firmware.fd');
  if (!existsSync(copy)) copyFileSync(src, copy);
  return copy;
}

/** Disks as LinuxKit: a size without a path is STATE/diskN.img, qcow2 by default; missing files are created. */
function prepareDisks(disks: DiskConfig[], state: string, qemuImg: () => string): Array<Required<DiskConfig>> {
  return disks.map((d, i) => {
    const format = d.sizeMB && !d.format ? 'qcow2' : d.format;
    const path = d.path || (d.sizeMB ? join(state, `disk${i === 0 ? '' : i}.img`) : '');
    if (!path) throw new UserError('--disk given with neither a file nor a size');
    if (existsSync(path)) {
      log.info(`Using existing disk [${path}] format ${format || '(probed)'}`);
    } else {
      if (!d.sizeMB) throw new UserError(`disk ${path} does not exist; give a size (--disk ${path},size=1G) to create it`);
      const r = spawnSync(qemuImg(), ['create', '-f', format, path, `${d.sizeMB}M`], { encoding: 'utf8' });
      if (r.status !== 0)
        throw new UserError(`creating disk ${path} (${format}) failed: ${(r.stderr || String(r.error)).trim()}`, undefined, { cause: r.error });
      log.debug(`created disk ${path} format ${format} size ${d.sizeMB}M`);
    }
    return { path, sizeMB: d.sizeMB, format };
  });
}

export interface PreparedQemu {
  qemu: string;
  config: QemuConfig;
  args: string[];
}

/** A Unix socket path must fit sockaddr_un (108 bytes with its NUL); qemu's own error is vaguer. */
function checkSocketPath(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes === 0 || bytes > 107)
    throw new UserError(`--guest-agent ${JSON.stringify(path)}: a Unix socket path must be 1 to 107 bytes long (this is ${bytes})`);
}

/** Everything up to (not including) starting qemu: files checked and created, arguments built. */
export async function prepareQemu(o: QemuRunOptions, serial: (state: string) => QemuConfig['serial'] = () => ({ kind: 'stdio' })): Promise<PreparedQemu> {
  if (o.data && o.dataFile) throw new UserError('cannot specify both --data and --data-file');
  const arch = parseArch(o.arch);
  const qemu = findProgram(o.qemu || `qemu-system-${arch}`, 'install qemu-system, or pass --qemu');
  const image = findBootImage(o.path, o.boot);
  // Every flag is checked before anything is written to the state directory.
  const publish = (o.publish ?? []).map(parsePublish);
  const netdev = netdevFor(o.networking ?? 'default', publish, (o.guestfwd ?? []).map(parseGuestForward));
  if (o.guestAgent !== undefined) checkSocketPath(o.guestAgent);
  const extra = extraNetdevs(o.addNetworks ?? []);
  await checkHostPortsFree(publish);

  const state = o.state || `${image.prefix}-state`;
  try {
    mkdirSync(state, { recursive: true });
  } catch (err) {
    throw new UserError(`could not create state directory ${state}: ${(err as Error).message}`, undefined, { cause: err });
  }

  const cdroms: string[] = image.iso ? [image.iso] : [];
  if (o.data !== undefined || o.dataFile) {
    let content: Buffer;
    try {
      content = o.dataFile ? readFileSync(o.dataFile) : Buffer.from(o.data ?? '');
    } catch (err) {
      throw new UserError(`cannot read user data from ${o.dataFile}: ${(err as Error).message}`, undefined, { cause: err });
    }
    const iso = join(state, 'data.iso');
    writeMetadataIso(iso, content);
    cdroms.push(iso);
  }

  let qemuImgPath: string | undefined;
  const qemuImg = () => (qemuImgPath ??= findProgram('qemu-img', 'install qemu-utils'));
  const bootDisk: DiskConfig[] = image.disk
    ? [{ path: image.disk, sizeMB: 0, format: '' }]
    : image.squashfs
      ? [{ path: image.squashfs, sizeMB: 0, format: 'raw' }]
      : [];
  const disks = prepareDisks([...bootDisk, ...(o.disks ?? [])], state, qemuImg);

  let cmdline: string | undefined = o.cmdline;
  if (cmdline === undefined && image.cmdlineFile) {
    if (existsSync(image.cmdlineFile)) cmdline = readFileSync(image.cmdlineFile, 'utf8').trim();
    else log.warn(`no ${image.cmdlineFile}: booting ${image.kernel} with an empty command line`);
  }
  if (image.kind === 'squashfs') cmdline = `${cmdline ?? ''} root=/dev/sda`.trim();
  // kernel+iso: the root is the CD-ROM, as iso-bios's default root= says (src/formats/iso-formats.ts).
  if (image.kind === 'kernel-iso') cmdline = `${cmdline ?? ''} root=/dev/sr0`.trim();

  const hostArch = hostQemuArch();
  let accel = o.accel || process.env.LINUXKIT_QEMU_ACCEL || defaultAccel();
  if (arch !== hostArch) {
    log.info(`Disable acceleration as ${arch} != ${hostArch}`);
    accel = '';
  } else if (accel) {
    accel = await resolveAccel(accel, qemu, image.kernel);
  }

  const config: QemuConfig = {
    arch,
    hostArch,
    cpus: o.cpus ?? 1,
    memMB: o.mem ?? 1024,
    uuid: randomUUID(),
    statePath: state,
    accel,
    kernel: image.kernel,
    initrd: image.initrd,
    cmdline,
    disks,
    cdroms,
    isoBoot: image.kind === 'iso',
    uefiFirmware: o.uefi || image.looksUefi ? uefiFirmware(o.fw, state) : undefined,
    netdev,
    mac: netdev === undefined ? undefined : stateMac(state),
    extraNetdevs: extra.map((n, i) => ({ netdev: n, mac: cardMac(stateMac(state), i + 1) })),
    gui: o.gui ?? false,
    usb: o.usb ?? false,
    devices: o.devices ?? [],
    guestAgent: o.guestAgent,
    serial: serial(state),
  };
  return { qemu, config, args: qemuArgs(config) };
}

/** Starts qemu in the foreground of this process; the console is the handle's stream. */
export async function runQemu(o: QemuRunOptions): Promise<VmHandle> {
  const p = await prepareQemu(o);
  log.debug(`${p.qemu} ${p.args.join(' ')}`);
  const child = spawn(p.qemu, p.args, { stdio: [o.stdin ?? 'pipe', 'pipe', o.stderr ?? 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new UserError(`cannot start ${p.qemu}: ${err.message}`, undefined, { cause: err })));
  });
  return new VmHandle(child, [p.qemu, ...p.args], { consoleLog: o.consoleLog, echo: o.echo });
}

export interface DetachedVm {
  pid: number;
  statePath: string;
  consoleLog: string;
}

/**
 * `--detached`: qemu daemonizes, its serial console goes to STATE/console.log (or consoleLog).
 * LinuxKit only allows this inside its qemu container; here it runs on the host directly.
 */
export async function runQemuDetached(o: QemuRunOptions): Promise<DetachedVm> {
  let consoleLog = '';
  const p = await prepareQemu(o, (state) => ({ kind: 'file', path: (consoleLog = o.consoleLog ?? join(state, 'console.log')) }));
  const r = spawnSync(p.qemu, p.args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new UserError(`qemu failed to start: ${(r.stderr || String(r.error)).trim()}`, undefined, { cause: r.error });
  const pid = Number(readFileSync(join(p.config.statePath, 'qemu.pid'), 'utf8').trim());
  return { pid, statePath: p.config.statePath, consoleLog };
}
