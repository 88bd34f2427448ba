// `linuxkit inspect` (a linuxkit-ts addition; docs/inspect.md): size by component, largest
// files and duplicates of an image, as text, JSON or an HTML page with a treemap.
import { Command, Option } from 'commander';
import { htmlReport, inspect, jsonReport, textReport } from '../inspect/index.js';
import { hostArch, registryOptions } from '../oci/index.js';
import { writeOutputFile } from '../formats/index.js';
import { globalOptions } from './context.js';

interface InspectFlags {
  json: boolean;
  html?: string;
  format: 'kernel+initrd' | 'tar';
  arch: string;
  pull: boolean;
}

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('Show what an image is made of: size by component, largest files, duplicates (linuxkit-ts addition)')
    .argument('<input...>', 'a build output (tar, kernel+initrd prefix or one of its files, initrd) or YAML configs (built first)')
    .option('--json', 'print the report as JSON', false)
    .option('--html <file>', 'also write a self-contained HTML page with a zoomable treemap')
    .addOption(new Option('--format <format>', 'the format YAML inputs are built to').choices(['kernel+initrd', 'tar']).default('kernel+initrd'))
    .option('--arch <arch>', 'architecture to build YAML inputs for', hostArch())
    .option('--pull', 'YAML inputs: pull images even when they are cached', false)
    .action(async (inputs: string[], flags: InspectFlags, cmd: Command) => {
      const g = globalOptions(cmd);
      const result = await inspect(inputs, { cacheDir: g.cache, arch: flags.arch, format: flags.format, pull: flags.pull, registry: registryOptions(g) });
      if (flags.html) await writeOutputFile(flags.html, htmlReport(result.report, result.tree()));
      process.stdout.write(flags.json ? jsonReport(result.report) : textReport(result.report));
    });
}
