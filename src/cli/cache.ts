// `linuxkit cache ls|rm|clean|export|import|pull|push`, with LinuxKit's flags
// (lk:src/cmd/linuxkit/cache*.go). The work is in src/oci/cache; this file only parses flags.
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { AtomicOutputs } from '../formats/index.js';
import { EXPORT_FORMATS, exportImage, type ExportFormat } from '../oci/index.js';
import { importImages } from '../oci/index.js';
import { hostArch, parsePlatform } from '../oci/index.js';
import { normalizeReference as expandReference } from '../oci/index.js';
import { removeImages } from '../oci/index.js';
import { resolveImage } from '../oci/index.js';
import { LayoutStore, refName } from '../oci/index.js';
import { validateCache } from '../oci/index.js';
import { extractToDirectory } from '../oci/index.js';
import { imageRootfs } from '../oci/index.js';
import { defaultUnpackedLayers } from '../oci/index.js';
import { pullImage } from '../oci/index.js';
import { pushImage } from '../oci/index.js';
import { registryOptions } from '../oci/index.js';
import { NotImplementedError, UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { globalOptions } from './context.js';
import { ifExists } from '../util/index.js';

function cacheDir(cmd: Command): string {
  return globalOptions(cmd).cache;
}

function lsCommand(): Command {
  return new Command('ls')
    .description('list images in the linuxkit cache')
    .action(async (_opts: object, cmd: Command) => {
      const store = await LayoutStore.open(cacheDir(cmd));
      // Unnamed entries are not images to LinuxKit (cache/image.go List); they are not listed.
      const reports = (await validateCache(store)).filter((r) => refName(r.descriptor) !== undefined).sort((a, b) => a.ref.localeCompare(b.ref));
      // LinuxKit's format (cache_ls.go): name padded to 80, then the root digest.
      const lines = [`${'image name'.padEnd(80)} root manifest hash`];
      for (const r of reports) lines.push(`${r.ref.padEnd(80)} ${r.descriptor.digest}`);
      process.stdout.write(lines.join('\n') + '\n');
      for (const r of reports) {
        if (r.problems.length) log.warn(`${r.ref} is incomplete or broken in the cache: ${r.problems.join('; ')}`);
      }
    });
}

function rmCommand(): Command {
  return new Command('rm')
    .description('remove individual images from the linuxkit cache')
    .argument('<image...>', 'images to remove')
    .option('--published-only', 'only remove images that linuxkit can confirm have been published to the registry', false)
    .action(async (names: string[], opts: { publishedOnly: boolean }, cmd: Command) => {
      if (opts.publishedOnly) throw new NotImplementedError("'linuxkit cache rm --published-only'");
      const store = await LayoutStore.open(cacheDir(cmd));
      const refs = names.map(expandReference);
      for (const [i, ref] of refs.entries()) {
        if (!(await store.resolve(ref))) throw new UserError(`error reading image ${names[i]}: ${ref} is not in the cache ${store.dir}`);
      }
      for (const ref of refs) log.info(`removing image ${ref} from cache`);
      await removeImages(store, refs);
    });
}

function cleanCommand(): Command {
  return new Command('clean')
    .description('empty the linuxkit cache')
    .option('--published-only', 'only clean images that linuxkit can confirm have been published to the registry', false)
    .action(async (opts: { publishedOnly: boolean }, cmd: Command) => {
      if (opts.publishedOnly) throw new NotImplementedError("'linuxkit cache clean --published-only'");
      // The unpacked copies of layers (src/oci/layer/unpacked.ts) are derived from the cache's
      // blobs: emptying the cache empties them too.
      const emptied = [{ dir: cacheDir(cmd), what: 'Cache emptied' }];
      const layers = defaultUnpackedLayers();
      if (layers) emptied.push({ dir: layers.dir, what: 'Unpacked layers removed' });
      for (const { dir, what } of emptied) {
        try {
          await rm(dir, { recursive: true, force: true });
        } catch (err) {
          throw new UserError(`unable to clean cache ${dir}: ${(err as Error).message}`, undefined, { cause: err });
        }
        log.info(`${what}: ${dir}`);
      }
    });
}

interface ExportFlags {
  platform: string;
  arch?: string;
  outfile?: string;
  format: string;
  name?: string;
}

/**
 * Writes `stream` to `outfile`: a regular file whole or not at all (a temp file next to it,
 * renamed at the end), a device, fifo or socket directly (formats/atomic.ts).
 */
async function writeOutput(stream: Readable, outfile: string): Promise<void> {
  if (outfile === '-') {
    try {
      await pipeline(stream, process.stdout);
    } catch (err) {
      // The reader went away (`… | head`): nothing more to say, as for any Unix filter.
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
      log.debug('stdout closed before the export was complete');
      stream.destroy();
    }
    return;
  }
  await AtomicOutputs.run(async (out) => pipeline(stream, await out.stream(outfile)));
}

async function isDirectoryTarget(outfile: string): Promise<boolean> {
  if (outfile.endsWith('/')) return true;
  return (await ifExists(stat(outfile)))?.isDirectory() ?? false;
}

function exportCommand(): Command {
  return new Command('export')
    .description('export individual images from the linuxkit cache')
    .argument('<image>', 'image to export')
    .option('--platform <os/arch[/variant]>', 'platform to resolve an index to an image, if the image is an index', `linux/${hostArch()}`)
    .option('--arch <arch>', 'shorthand for --platform linux/<arch> (linuxkit-ts)')
    .addOption(new Option('--format <format>', "export format, one of 'oci' (OCI tar), 'docker' (docker tar), 'filesystem'").default('oci'))
    .option('--outfile <file>', "path to file to save output, '-' for stdout; for 'filesystem', a directory unpacks the image there")
    .option('--name <name>', 'override the image name in the exported tar file (oci and docker formats)')
    .action(async (name: string, flags: ExportFlags, cmd: Command) => {
      if (!(EXPORT_FORMATS as readonly string[]).includes(flags.format)) {
        throw new UserError(`requested unknown format ${flags.format}: use one of ${EXPORT_FORMATS.join(', ')}`);
      }
      if (!flags.outfile) throw new UserError("'outfile' flag is required");
      const format = flags.format as ExportFormat;
      const platform = parsePlatform(flags.arch ? `linux/${flags.arch}` : flags.platform);
      const store = await LayoutStore.open(cacheDir(cmd));
      const ref = expandReference(name);
      if (format === 'filesystem' && flags.outfile !== '-' && (await isDirectoryTarget(flags.outfile))) {
        const n = await extractToDirectory(imageRootfs(store, await resolveImage(store, ref, platform)), flags.outfile);
        log.info(`unpacked ${ref} (${n} entries) into ${flags.outfile}`);
        return;
      }
      const stream = await exportImage(store, ref, { format, platform, ...(flags.name ? { name: expandReference(flags.name) } : {}) });
      await writeOutput(stream, flags.outfile);
    });
}

function importCommand(): Command {
  return new Command('import')
    .description('import individual images to the linuxkit cache')
    .addHelpText(
      'after',
      '\nReads an OCI image layout tar (docker buildx --output type=oci, skopeo oci-archive:) or a\n`docker save` tar, from a file or from stdin with "-". Works offline.',
    )
    .argument('<file>', "tar file, or '-' for stdin")
    .option('--name <name>', 'name for an image the tar does not name (linuxkit-ts)')
    .action(async (file: string, opts: { name?: string }, cmd: Command) => {
      const store = await LayoutStore.open(cacheDir(cmd));
      let source: Readable;
      if (file === '-') source = process.stdin;
      else {
        if (!(await ifExists(stat(file)))) throw new UserError(`unable to open ${file}: no such file`);
        source = createReadStream(file);
      }
      const imported = await importImages(store, source, opts.name ? { name: opts.name } : {});
      for (const i of imported) {
        if (i.ref) log.info(`imported ${i.ref} ${i.descriptor.digest}`);
        else log.warn(`imported ${i.descriptor.digest} without a name (the tar does not name it; use --name)`);
      }
    });
}

function pullCommand(): Command {
  return new Command('pull')
    .description('pull images to the linuxkit cache from registry (replacing what is cached under the name)')
    .argument('<image...>')
    .action(async (names: string[], _opts: object, cmd: Command) => {
      const store = await LayoutStore.open(cacheDir(cmd));
      for (const name of names) {
        const r = await pullImage(name, store, {
          allPlatforms: true,
          withArchReferences: true,
          alwaysPull: true,
          registry: registryOptions(globalOptions(cmd)),
        });
        log.info(`${r.ref} ${r.descriptor.digest}`);
      }
    });
}

function pushCommand(): Command {
  return new Command('push')
    .description('push images from the linuxkit cache to their registry')
    .argument('<image...>')
    .option('--remote-name <name>', 'push it under a different name')
    .option('--with-arch-tags', 'also push arch-specific tags for each arch of an index', false)
    .option('--override', 'push even if the image already exists in the registry', false)
    .action(async (names: string[], opts: { remoteName?: string; withArchTags: boolean; override: boolean }, cmd: Command) => {
      if (opts.remoteName && names.length > 1) throw new UserError('--remote-name needs exactly one image');
      const store = await LayoutStore.open(cacheDir(cmd));
      for (const name of names) {
        await pushImage(expandReference(name), store, opts.remoteName, {
          override: opts.override,
          withArchTags: opts.withArchTags,
          registry: registryOptions(globalOptions(cmd)),
        });
      }
    });
}

export function cacheCommand(): Command {
  const cmd = new Command('cache').description('manage the linuxkit cache');
  cmd.addCommand(cleanCommand());
  cmd.addCommand(rmCommand());
  cmd.addCommand(lsCommand());
  cmd.addCommand(exportCommand());
  cmd.addCommand(importCommand());
  cmd.addCommand(pullCommand());
  cmd.addCommand(pushCommand());
  return cmd;
}

