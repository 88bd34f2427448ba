// `linuxkit build`: flags as LinuxKit's (lk:src/cmd/linuxkit/build.go).
import { Command, Option } from 'commander';
import { DEFAULT_SBOM_FILENAME } from '../assemble/index.js';
import { build, dryRun } from '../build/index.js';
import { COMPRESSIONS, formatNames, notYetFormatNames, type Compression } from '../formats/index.js';
import { hostArch } from '../oci/index.js';
import { parseDiskSizeMB } from '../run/index.js';
import { registryOptions } from '../oci/index.js';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { collect, globalOptions } from './context.js';
import { ExitStatus } from './exit-status.js';

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
  sbom: boolean;
  sbomOutput: string;
  sbomCurrentTime: boolean;
  dryRun: boolean;
  compress?: Compression;
  allowLocalFiles: boolean;
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
    .option(
      '-f, --format <format>',
      `format to create (repeatable): ${formatNames().join(', ')}; not implemented yet: ${notYetFormatNames().join(', ')}`,
      collect,
      [],
    )
    .option('--input-tar <file>', 'tar from a previous build to reuse as input')
    .option('--no-sbom', "do not consolidate the images' SBOMs into one in the output")
    .option('--sbom-output <file>', 'filename of the SBOM in the root filesystem', DEFAULT_SBOM_FILENAME)
    .option('--sbom-current-time', 'use the current time as the SBOM build time (not reproducible)', false)
    .option('--dry-run', 'do not build; print the final YAML, with all merges and templates', false)
    .option('--allow-local-files', 'let YAML fetched over http(s) read local files (files: source:); linuxkit-ts addition', false)
    .addOption(new Option('--compress <codec>', 'initrd compression (linuxkit-ts addition; LinuxKit: gzip)').choices(COMPRESSIONS))
    .action(async (files: string[], flags: BuildFlags, cmd: Command) => {
      if (flags.dryRun) {
        process.stdout.write(await dryRun(files));
        return;
      }
      if (flags.inputTar && flags.pull) throw new UserError('cannot use --input-tar and --pull together');
      if (flags.inputTar && flags.inputTar === flags.o) throw new UserError('input-tar and output file cannot be the same');
      if (flags.docker) throw new UserError('--docker needs a Docker engine; linuxkit-ts reads images from its cache only');
      const g = globalOptions(cmd);
      // Ctrl-C or a kill: stop, remove the partial outputs, exit 130 (as a shell reports SIGINT).
      const interrupt = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => {
        interrupt.abort(new Interrupted(sig));
        // Cleanup normally takes milliseconds; never let a stuck step keep a killed build alive.
        setTimeout(() => process.exit(sig === 'SIGINT' ? 130 : 143), 10_000).unref();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await build({
          configs: files,
          allowLocalFiles: flags.allowLocalFiles,
          formats: flags.format,
          name: flags.name,
          dir: flags.dir,
          output: flags.o,
          cacheDir: g.cache,
          arch: flags.arch,
          pull: flags.pull,
          decompressKernel: flags.decompressKernel,
          sbom: flags.sbom,
          sbomOutput: flags.sbomOutput,
          sbomCurrentTime: flags.sbomCurrentTime,
          compress: flags.compress,
          // LinuxKit's default (1024M) is the default of aws and qcow2-bios; the other disk formats
          // have LinuxKit's own sizes unless --size is given.
          ...(cmd.getOptionValueSource('size') !== 'default' && { sizeMB: parseDiskSizeMB(flags.size, '--size') }),
          registry: registryOptions(g),
          ...(flags.inputTar && { inputTar: flags.inputTar }),
          signal: interrupt.signal,
        });
      } catch (err) {
        if (err instanceof Interrupted) {
          log.error(err.message);
          throw new ExitStatus(err.signal === 'SIGINT' ? 130 : 143);
        }
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

class Interrupted extends UserError {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted (${signal}); partial outputs removed`);
  }
}
