// The config step: YAML files → one merged, validated, typed Config (with source positions).
// Order, as LinuxKit's `build`: per file read → parse → schema → @pkg: templates → checks; then
// merge in order (AppendConfig) → checks across files. Every problem of every file is reported
// at once (UserErrors), each with file:line:col; nothing is written when any is found.
// A config fetched over http(s) may not read this machine's files (`files: source:`) unless
// the user says so (allowLocalFiles, `--allow-local-files`): whoever serves the URL is not the
// user, and the build would copy e.g. /etc/shadow or ~/.ssh/id_rsa into the image.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UserError, UserErrors } from '../util/index.js';
import { log } from '../util/index.js';
import { utf8Text } from '../util/index.js';
import { checkFile, checkMerged, fileWarnings } from './checks.js';
import { appendConfig } from './merge.js';
import { parseYaml } from './parse.js';
import { withoutBadValues } from './prune.js';
import { fetchRemoteConfig } from './remote.js';
import { keyPos, sourcePos } from './positions.js';
import { schemaErrors } from './schema.js';
import { noPackageResolver, resolveTemplates, type PackageResolver } from './templates.js';
import type { Config } from './types.js';

export type { Config, ImageEntry } from './types.js';
export { configToYaml } from './to-yaml.js';
export { keyPos, sourcePath, sourcePos } from './positions.js';
export { noPackageResolver, type PackageResolver } from './templates.js';
export { KNOWN_CAPABILITIES } from './capabilities.js';
export { RLIMIT_NAMES } from './checks.js';
export { VOLUME_NAME_RE, filePathProblem } from './checks.js';
export { appendConfig } from './merge.js';
export { parseYaml } from './parse.js';

export interface LoadOptions {
  /** Resolves "@pkg:./path" templates of local files; default: an error naming the template. */
  resolvePackage?: PackageResolver;
  /** Text to use for "-" (default: read process.stdin). */
  stdin?: string;
  /** Let configs fetched over http(s) read local files (`files: source:`); `--allow-local-files`. */
  allowLocalFiles?: boolean;
}

/** The flag that lets a remote config read local files, named in every refusal. */
export const ALLOW_LOCAL_FILES_FLAG = '--allow-local-files';

interface Source {
  /** Name used in messages. */
  file: string;
  text: string;
  /** Directory for @pkg: paths; templates are only for local files, as in LinuxKit. */
  templateDir?: string;
  /** Fetched over http(s): written by whoever serves the URL. */
  remote?: boolean;
}

async function readSource(source: string, opts: LoadOptions): Promise<Source> {
  if (source === '-') {
    return { file: '<stdin>', text: opts.stdin ?? utf8Text(await readStream(process.stdin), '<stdin>') };
  }
  if (/^https?:\/\//.test(source)) {
    return { file: source, text: utf8Text(await fetchRemoteConfig(source), source), remote: true };
  }
  try {
    return { file: source, text: utf8Text(await readFile(source), source), templateDir: dirname(resolve(source)) };
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot open config file ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, { cause: err });
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

/**
 * Parses and validates one text; throws on syntax errors, returns the other problems. When the
 * schema finds problems, the later checks still run on the rest of the file (prune.ts), so one
 * run reports everything; `complete` says whether checks across files may run too.
 */
async function loadOne(src: Source, opts: LoadOptions): Promise<{ config: Config; errors: UserError[]; complete: boolean }> {
  const { value } = parseYaml(src.text, src.file);
  const { errors, badValues } = schemaErrors(value, src.file);
  let complete = true;
  let checked = value as Config;
  if (errors.length) ({ config: checked, complete } = withoutBadValues(value, badValues));
  const raw = checked as Config & { trust?: unknown };
  if (raw.trust !== undefined) {
    const pos = keyPos(raw, 'trust');
    log.warn(`${pos ? `${pos.file}:${pos.line}:${pos.col}: ` : ''}trust: is obsolete and ignored (Docker Content Trust was removed from LinuxKit)`);
    delete raw.trust;
  }
  if (src.templateDir !== undefined) {
    errors.push(...(await resolveTemplates(raw, src.templateDir, opts.resolvePackage ?? noPackageResolver)));
  }
  errors.push(...checkFile(raw));
  if (src.remote && !opts.allowLocalFiles) errors.push(...localFileReads(raw, src.file));
  for (const w of fileWarnings(raw)) log.warn(w);
  return { config: raw, errors, complete };
}

/**
 * The fields of a remote config that would read this machine's filesystem. `files[].source` is
 * the only one: @pkg: templates are not resolved in remote files (as in LinuxKit), kernel.ucode
 * and every image are read from images, and mounts, binds and devices name paths inside the
 * machine being built, not this one.
 */
function localFileReads(config: Config, url: string): UserError[] {
  return (config.files ?? []).flatMap((f, i) =>
    f.source === undefined
      ? []
      : [
          new UserError(
            `files[${i}].source: "${f.source}" would be read from this machine's filesystem, but this config was fetched from ${url}; ` +
              `a remote config reads no local files unless you pass ${ALLOW_LOCAL_FILES_FLAG}`,
            sourcePos(f, 'source') ?? sourcePos(f),
          ),
        ],
  );
}

/**
 * Reads (file path, `-` for stdin, or http(s) URL), parses, validates and merges the files in
 * order, as `linuxkit build a.yml b.yml` does. Throws UserError(s) naming file:line:col.
 */
export async function loadConfigs(sources: string[], opts: LoadOptions = {}): Promise<Config> {
  const errors: UserError[] = [];
  let merged: Config = {};
  let complete = true;
  for (const source of sources) {
    const src = await readSource(source, opts);
    try {
      const one = await loadOne(src, opts);
      errors.push(...one.errors);
      complete &&= one.complete;
      merged = appendConfig(merged, one.config);
    } catch (err) {
      complete = false;
      if (err instanceof UserErrors) errors.push(...err.errors);
      else if (err instanceof UserError) errors.push(err);
      else throw err;
    }
  }
  // Checks across entries (names, volumes, ids) need every entry of every file.
  if (complete) errors.push(...checkMerged(merged));
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserErrors(errors);
  return merged;
}

/**
 * Parses and validates one YAML text as a whole config (for tests and the library API); `file`
 * names it in messages; @pkg: templates are taken relative to `templateDir` when given.
 */
export async function loadConfigText(text: string, file: string, opts: LoadOptions & { templateDir?: string } = {}): Promise<Config> {
  const { config, errors, complete } = await loadOne({ file, text, templateDir: opts.templateDir }, opts);
  if (complete) errors.push(...checkMerged(config));
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserErrors(errors);
  return config;
}
export { LABEL_CONFIG, parseImageLabel } from './label.js';
export * from './model-kinds.js';
export * from './model.js';
export * from './templates.js';
export * from './types.js';
