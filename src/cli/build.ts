// `linuxkit build`: flags as LinuxKit's (lk:src/cmd/linuxkit/build.go).
import { Command, Option } from 'commander';
import { configToYaml, loadConfigs } from '../config/index.js';
import { NotImplementedError } from '../util/errors.js';
import { collect } from './context.js';

export interface BuildFlags {
  name?: string;
  dir?: string;
  o?: string;
  size: string;
  pull: boolean;
  docker: boolean;
  decompressKernel: boolean;
  arch: string;
  format: string[];
  inputTar?: string;
  noSbom?: boolean;
  sbom: boolean;
  sbomOutput: string;
  sbomCurrentTime: boolean;
  dryRun: boolean;
}

/** Node's arch names → the GOARCH names LinuxKit uses for --arch. */
export function hostArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}

export function buildCommand(): Command {
  return new Command('build')
    .description('Build a bootable OS image from a yaml configuration file')
    .argument('<file...>', 'YAML files, merged in order; "-" reads stdin, http(s) URLs are fetched')
    .option('--name <name>', 'name to use for output files')
    .option('--dir <dir>', 'directory for output files, default current directory')
    .addOption(new Option('-o, --o <file>', "file to use for a single output, or '-' for stdout"))
    .option('--size <size>', 'size for output image, if supported and fixed size', '1024M')
    .option('--pull', 'always pull images', false)
    .option('--docker', 'check for images in docker before linuxkit cache', false)
    .option('--decompress-kernel', 'decompress the Linux kernel', false)
    .option('--arch <arch>', 'target architecture for which to build', hostArch())
    .option('-f, --format <format>', 'format to create (repeatable)', collect, [])
    .option('--input-tar <file>', 'tar from a previous build to reuse as input')
    .option('--no-sbom', 'do not consolidate the images\' SBOMs into one in the output')
    .option('--sbom-output <file>', 'filename of the SBOM in the root filesystem', 'sbom.spdx.json')
    .option('--sbom-current-time', 'use the current time as the SBOM build time (not reproducible)', false)
    .option('--dry-run', 'do not build; print the final YAML, with all merges and templates', false)
    .action(async (files: string[], flags: BuildFlags) => {
      const config = await loadConfigs(files);
      if (flags.dryRun) {
        // LinuxKit prints the marshalled YAML with Println: the document, then an empty line.
        process.stdout.write(configToYaml(config) + '\n');
        return;
      }
      throw new NotImplementedError("'linuxkit build' (only --dry-run so far)");
    });
}
