// LinuxKit commands that are in the tree but not built yet. Each one has its LinuxKit name,
// description and subcommands so `--help` shows the whole tree; running one exits non-zero.
// When a command is implemented it moves to a file of its own (like build.ts).
import { Command } from 'commander';
import { notYet } from './not-yet.js';

function group(name: string, description: string, subs: Array<[string, string]>): Command {
  const cmd = new Command(name).description(description);
  for (const [sub, desc] of subs) cmd.addCommand(notYet(new Command(sub).description(desc).allowUnknownOption()));
  return cmd;
}

export function runCommand(): Command {
  return group('run', 'run a VM image on a local hypervisor or remote cloud', [
    ['qemu', 'launch a VM using qemu'],
    ['hyperkit', 'launch a VM using hyperkit'],
    ['virtualization', 'launch a VM using Apple Virtualization.framework'],
    ['vbox', 'launch a VM using VirtualBox'],
    ['hyperv', 'launch a VM using Hyper-V'],
    ['vmware', 'launch a VM using VMware'],
    ['vcenter', 'launch a VM on VMware vCenter'],
    ['aws', 'launch an AWS EC2 instance'],
    ['gcp', 'launch a Google Compute Engine instance'],
    ['azure', 'launch an Azure instance'],
    ['openstack', 'launch an OpenStack instance'],
    ['scaleway', 'launch a Scaleway instance'],
    ['equinixmetal', 'launch an Equinix Metal device'],
  ]);
}

export function metadataCommand(): Command {
  return group('metadata', 'metadata utilities', [['create', 'create an ISO with metadata']]);
}

export function serveCommand(): Command {
  return notYet(
    new Command('serve')
      .description('serve a directory over http')
      .option('--port <addr>', 'local port to serve on', ':8080')
      .option('--directory <dir>', 'directory to serve', '.'),
  );
}

export function pushCommand(): Command {
  return group('push', 'push a VM image to a cloud or image store', [
    ['aws', 'push an image to AWS'],
    ['gcp', 'push an image to Google Cloud'],
    ['azure', 'push an image to Azure'],
    ['openstack', 'push an image to OpenStack'],
    ['scaleway', 'push an image to Scaleway'],
    ['vcenter', 'push an image to VMware vCenter'],
    ['equinixmetal', 'push an image to Equinix Metal'],
  ]);
}
