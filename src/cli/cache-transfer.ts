// The work of `linuxkit cache export|import|pull|push` (src/cli/cache.ts declares them): apart,
// so `cache ls` does not load the registry client and the tar code to start.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { AtomicOutputs } from '../formats/index.js';
import { EXPORT_FORMATS, exportImage, type ExportFormat } from '../oci/index.js';
import { importImages } from '../oci/index.js';
import { parsePlatform } from '../oci/index.js';
import { normalizeReference as expandReference } from '../oci/index.js';
import { resolveImage } from '../oci/index.js';
import { LayoutStore } from '../oci/index.js';
import { extractToDirectory } from '../oci/index.js';
import { imageRootfs } from '../oci/index.js';
import { pullImages } from '../oci/index.js';
import { defaultUnpackedLayers } from '../oci/index.js';
import { pushImage } from '../oci/index.js';
import { registryOptions } from '../oci/index.js';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { globalOptions } from './context.js';
import { ifExists } from '../util/index.js';

export interface ExportFlags {
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

export async function exportAction(name: string, flags: ExportFlags, cmd: Command): Promise<void> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(flags.format)) {
    throw new UserError(`requested unknown format ${flags.format}: use one of ${EXPORT_FORMATS.join(', ')}`);
  }
  if (!flags.outfile) throw new UserError("'outfile' flag is required");
  const format = flags.format as ExportFormat;
  const platform = parsePlatform(flags.arch ? `linux/${flags.arch}` : flags.platform);
  const store = await LayoutStore.open(globalOptions(cmd).cache);
  const ref = expandReference(name);
  if (format === 'filesystem' && flags.outfile !== '-' && (await isDirectoryTarget(flags.outfile))) {
    const n = await extractToDirectory(imageRootfs(store, await resolveImage(store, ref, platform)), flags.outfile);
    log.info(`unpacked ${ref} (${n} entries) into ${flags.outfile}`);
    return;
  }
  const stream = await exportImage(store, ref, { format, platform, ...(flags.name ? { name: expandReference(flags.name) } : {}) });
  await writeOutput(stream, flags.outfile);
}

export async function importAction(file: string, opts: { name?: string }, cmd: Command): Promise<void> {
  const store = await LayoutStore.open(globalOptions(cmd).cache);
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
}

export async function pullAction(names: string[], cmd: Command): Promise<void> {
  const store = await LayoutStore.open(globalOptions(cmd).cache);
  // Layers inflated as they download, for the next build (docs/performance.md: why always).
  const unpacked = defaultUnpackedLayers();
  // All at once, in one process and connection pool (LinuxKit pulls them one after another).
  const pulled = await pullImages(names, store, {
    allPlatforms: true,
    withArchReferences: true,
    alwaysPull: true,
    registry: registryOptions(globalOptions(cmd)),
    ...(unpacked && { unpacked }),
  });
  await unpacked?.prune();
  for (const r of pulled) log.info(`${r.ref} ${r.descriptor.digest}`);
}

export async function pushAction(names: string[], opts: { remoteName?: string; withArchTags: boolean; override: boolean }, cmd: Command): Promise<void> {
  if (opts.remoteName && names.length > 1) throw new UserError('--remote-name needs exactly one image');
  const store = await LayoutStore.open(globalOptions(cmd).cache);
  for (const name of names) {
    await pushImage(expandReference(name), store, opts.remoteName, {
      override: opts.override,
      withArchTags: opts.withArchTags,
      registry: registryOptions(globalOptions(cmd)),
    });
  }
}
