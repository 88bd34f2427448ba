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
