// The run backends, LinuxKit's list (lk:src/cmd/linuxkit/run.go), one object each: the CLI
// builds its `run` subcommands from this list, and `linuxkit run PATH` picks the platform
// default. Backends not built yet are stubs (not-yet.ts) that take LinuxKit's arguments and say
// so; to add a backend, or replace a stub, write its module and change its import below.
import type { RunBackend } from './backend.js';
import { aws, azure, equinixmetal, gcp, hyperkit, hyperv, openstack, scaleway, vbox, vcenter, virtualization, vmware } from './not-yet.js';
import { qemu } from './qemu-backend.js';

export const RUN_BACKENDS: readonly RunBackend[] = [
  qemu,
  hyperkit,
  virtualization,
  vbox,
  hyperv,
  vmware,
  vcenter,
  aws,
  gcp,
  azure,
  openstack,
  scaleway,
  equinixmetal,
];

/** LinuxKit's per-platform default backend for `linuxkit run PATH`. */
export function defaultBackend(platform: NodeJS.Platform = process.platform): string | undefined {
  const byPlatform: Partial<Record<NodeJS.Platform, string>> = { linux: 'qemu', darwin: 'virtualization', win32: 'hyperv' };
  return byPlatform[platform];
}
