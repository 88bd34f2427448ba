// `linuxkit cache ls|rm|clean|export|import|pull|push`, with LinuxKit's flags
// (lk:src/cmd/linuxkit/cache*.go). The work is in src/oci/cache; this file only parses flags
// (export, import, pull and push run from cache-transfer.ts, loaded when one of them runs).
import { rm } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { hostArch } from '../oci/index.js';
import { normalizeReference as expandReference } from '../oci/index.js';
import { removeImages } from '../oci/index.js';
import { LayoutStore, refName } from '../oci/index.js';
import { validateCache } from '../oci/index.js';
import { defaultUnpackedLayers } from '../oci/index.js';
import { NotImplementedError, UserError } from '../util/index.js';
import { log } from '../util/index.js';
import type { ExportFlags } from './cache-transfer.js';
import { globalOptions } from './context.js';

function cacheDir(cmd: Command): string {
  return globalOptions(cmd).cache;
}

function lsCommand(): Command {
  return new Command('ls').description('list images in the linuxkit cache').action(async (_opts: object, cmd: Command) => {
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

function exportCommand(): Command {
  return new Command('export')
    .description('export individual images from the linuxkit cache')
    .argument('<image>', 'image to export')
    .option('--platform <os/arch[/variant]>', 'platform to resolve an index to an image, if the image is an index', `linux/${hostArch()}`)
    .option('--arch <arch>', 'shorthand for --platform linux/<arch> (linuxkit-ts)')
    .addOption(new Option('--format <format>', "export format, one of 'oci' (OCI tar), 'docker' (docker tar), 'filesystem'").default('oci'))
    .option('--outfile <file>', "path to file to save output, '-' for stdout; for 'filesystem', a directory unpacks the image there")
    .option('--name <name>', 'override the image name in the exported tar file (oci and docker formats)')
    .action(async (name: string, flags: ExportFlags, cmd: Command) => (await import('./cache-transfer.js')).exportAction(name, flags, cmd));
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
    .action(async (file: string, opts: { name?: string }, cmd: Command) => (await import('./cache-transfer.js')).importAction(file, opts, cmd));
}

function pullCommand(): Command {
  return new Command('pull')
    .description('pull images to the linuxkit cache from registry (replacing what is cached under the name)')
    .argument('<image...>')
    .action(async (names: string[], _opts: object, cmd: Command) => (await import('./cache-transfer.js')).pullAction(names, cmd));
}

function pushCommand(): Command {
  return new Command('push')
    .description('push images from the linuxkit cache to their registry')
    .argument('<image...>')
    .option('--remote-name <name>', 'push it under a different name')
    .option('--with-arch-tags', 'also push arch-specific tags for each arch of an index', false)
    .option('--override', 'push even if the image already exists in the registry', false)
    .action(async (names: string[], opts: { remoteName?: string; withArchTags: boolean; override: boolean }, cmd: Command) =>
      (await import('./cache-transfer.js')).pushAction(names, opts, cmd),
    );
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
