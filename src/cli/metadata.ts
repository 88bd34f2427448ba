// `linuxkit metadata create FILE.iso "DATA"` (lk:src/cmd/linuxkit/metadata.go): an ISO 9660
// image whose one file, /config, holds DATA, as LinuxKit's metadata package reads it. The same
// writer makes the ISO that `run qemu --data` attaches (src/util/metadata-iso.ts).
import { Command } from 'commander';
import { writeMetadataIso } from '../util/index.js';

export function metadataCommand(): Command {
  const create = new Command('create')
    .description("create an ISO with metadata; DATA is written to '/config' in the ISO (for the linuxkit/metadata package)")
    .argument('<file>', 'ISO file to write')
    .argument('<data>', 'metadata to put in /config')
    .addHelpText('after', '\nExample:\n  linuxkit metadata create file.iso "metadata"')
    .action((file: string, data: string) => {
      writeMetadataIso(file, Buffer.from(data, 'utf8'));
    });
  return new Command('metadata').description('manage ISO metadata').addCommand(create);
}
