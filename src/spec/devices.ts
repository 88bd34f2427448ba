// `devices`: device nodes to create in the container, each also allowed in the device cgroup;
// or `path: all` to allow a whole type (b or c) without creating nodes
// (lk:src/cmd/linuxkit/moby/config.go:1146-1205).
import { UserError } from '../util/index.js';
import type { Device } from '../config/index.js';
import type { OciDevice, OciDeviceCgroup } from './oci-runtime.js';

/** Octal permission bits as LinuxKit reads them (strconv.ParseInt(mode, 8, 32)). */
export function parseDeviceMode(mode: string | undefined): number {
  const m = mode ?? '';
  // Go also accepts a sign; a negative mode is meaningless, so only "+" is kept.
  if (!/^\+?[0-7]+$/.test(m) || parseInt(m, 8) > 0x7fffffff) {
    throw new UserError(`cannot parse device mode as octal value: "${m}"`);
  }
  return parseInt(m, 8);
}

/** The device cgroup rule that lets the container use a device (deviceCgroup). */
export function deviceCgroupRule(d: OciDevice): OciDeviceCgroup {
  return { allow: true, type: d.type, major: d.major, minor: d.minor, access: 'rwm' };
}

/** Device nodes, and the cgroup rules to append to resources.devices, in the order given. */
export function containerDevices(devices: readonly Device[]): { nodes: OciDevice[]; rules: OciDeviceCgroup[] } {
  const nodes: OciDevice[] = [];
  const rules: OciDeviceCgroup[] = [];
  for (const d of devices) {
    if (d.path === 'all') {
      rules.push({ allow: true, type: d.type ?? '', access: 'rwm' });
      continue;
    }
    const node: OciDevice = { path: d.path ?? '', type: d.type ?? '', major: d.major ?? 0, minor: d.minor ?? 0, fileMode: parseDeviceMode(d.mode) };
    nodes.push(node);
    rules.push(deviceCgroupRule(node));
  }
  return { nodes, rules };
}
