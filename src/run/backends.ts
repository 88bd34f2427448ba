// The run backends, LinuxKit's list (lk:src/cmd/linuxkit/run.go), in one registry: the CLI
// builds its `run` subcommands from it, and `linuxkit run PATH` picks the platform default.
// A backend without `implemented` is listed (so --help shows LinuxKit's tree) but not built yet.
export interface RunBackendInfo {
  name: string;
  description: string;
  implemented: boolean;
}

export const RUN_BACKENDS: readonly RunBackendInfo[] = [
  { name: 'qemu', description: 'launch a VM using qemu', implemented: true },
  { name: 'hyperkit', description: 'launch a VM using hyperkit', implemented: false },
  { name: 'virtualization', description: 'launch a VM using Apple Virtualization.framework', implemented: false },
  { name: 'vbox', description: 'launch a VM using VirtualBox', implemented: false },
  { name: 'hyperv', description: 'launch a VM using Hyper-V', implemented: false },
  { name: 'vmware', description: 'launch a VM using VMware', implemented: false },
  { name: 'vcenter', description: 'launch a VM on VMware vCenter', implemented: false },
  { name: 'aws', description: 'launch an AWS EC2 instance', implemented: false },
  { name: 'gcp', description: 'launch a Google Compute Engine instance', implemented: false },
  { name: 'azure', description: 'launch an Azure instance', implemented: false },
  { name: 'openstack', description: 'launch an OpenStack instance', implemented: false },
  { name: 'scaleway', description: 'launch a Scaleway instance', implemented: false },
  { name: 'equinixmetal', description: 'launch an Equinix Metal device', implemented: false },
];

/** LinuxKit's per-platform default backend for `linuxkit run PATH`. */
export function defaultBackend(platform: NodeJS.Platform = process.platform): string | undefined {
  const byPlatform: Partial<Record<NodeJS.Platform, string>> = { linux: 'qemu', darwin: 'virtualization', win32: 'hyperv' };
  return byPlatform[platform];
}
