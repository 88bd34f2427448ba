// The config step: YAML files → one merged, validated, typed Config (with source positions).
// Order, as LinuxKit's `build`: per file read → parse → schema → @pkg: templates → checks; then
// merge in order (AppendConfig) → checks across files. Every problem of every file is reported
// at once (UserErrors), each with file:line:col; nothing is written when any is found.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UserError, UserErrors } from '../util/errors.js';
import { log } from '../util/log.js';
import { checkFile, checkMerged } from './checks.js';
import { appendConfig } from './merge.js';
import { parseYaml } from './parse.js';
import { keyPos } from './positions.js';
import { schemaErrors } from './schema.js';
import { noPackageResolver, resolveTemplates, type PackageResolver } from './templates.js';
import type { Config } from './types.js';

export type { Config } from './types.js';
export { configToYaml } from './to-yaml.js';
export { keyPos, sourcePath, sourcePos } from './positions.js';
export { noPackageResolver, type PackageResolver } from './templates.js';
export { KNOWN_CAPABILITIES } from './capabilities.js';
export { VOLUME_NAME_RE, filePathProblem } from './checks.js';
export { appendConfig } from './merge.js';

export interface LoadOptions {
  /** Resolves "@pkg:./path" templates of local files; default: an error naming the template. */
  resolvePackage?: PackageResolver;
  /** Text to use for "-" (default: read process.stdin). */
  stdin?: string;
}

interface Source {
  /** Name used in messages. */
  file: string;
  text: string;
  /** Directory for @pkg: paths; templates are only for local files, as in LinuxKit. */
  templateDir?: string;
}

async function readSource(source: string, opts: LoadOptions): Promise<Source> {
  if (source === '-') {
    return { file: '<stdin>', text: opts.stdin ?? (await readStream(process.stdin)) };
  }
  if (/^https?:\/\//.test(source)) {
    let res: Response;
    try {
      res = await fetch(source);
    } catch (err) {
      throw new UserError(`cannot fetch remote yaml file ${source}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new UserError(`cannot fetch remote yaml file ${source}: HTTP ${res.status} ${res.statusText}`);
    return { file: source, text: await res.text() };
  }
  try {
    return { file: source, text: await readFile(source, 'utf8'), templateDir: dirname(resolve(source)) };
  } catch (err) {
    throw new UserError(`cannot open config file ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses and validates one text; throws on syntax errors, returns the other problems. */
async function loadOne(src: Source, opts: LoadOptions): Promise<{ config: Config; errors: UserError[] }> {
  const { value } = parseYaml(src.text, src.file);
  const errors = schemaErrors(value, src.file);
  if (errors.length) return { config: {}, errors };
  const raw = value as Config & { trust?: unknown };
  if (raw.trust !== undefined) {
    const pos = keyPos(raw, 'trust');
    log.warn(`${pos ? `${pos.file}:${pos.line}:${pos.col}: ` : ''}trust: is obsolete and ignored (Docker Content Trust was removed from LinuxKit)`);
    delete raw.trust;
  }
  if (src.templateDir !== undefined) {
    errors.push(...(await resolveTemplates(raw, src.templateDir, opts.resolvePackage ?? noPackageResolver)));
  }
  errors.push(...checkFile(raw));
  return { config: raw, errors };
}

/**
 * Reads (file path, `-` for stdin, or http(s) URL), parses, validates and merges the files in
 * order, as `linuxkit build a.yml b.yml` does. Throws UserError(s) naming file:line:col.
 */
export async function loadConfigs(sources: string[], opts: LoadOptions = {}): Promise<Config> {
  const errors: UserError[] = [];
  let merged: Config = {};
  for (const source of sources) {
    const src = await readSource(source, opts);
    try {
      const one = await loadOne(src, opts);
      errors.push(...one.errors);
      merged = appendConfig(merged, one.config);
    } catch (err) {
      if (err instanceof UserErrors) errors.push(...err.errors);
      else if (err instanceof UserError) errors.push(err);
      else throw err;
    }
  }
  if (errors.length === 0) errors.push(...checkMerged(merged));
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserErrors(errors);
  return merged;
}

/**
 * Parses and validates one YAML text as a whole config (for tests and the library API); `file`
 * names it in messages; @pkg: templates are taken relative to `templateDir` when given.
 */
export async function loadConfigText(text: string, file: string, opts: LoadOptions & { templateDir?: string } = {}): Promise<Config> {
  const { config, errors } = await loadOne({ file, text, templateDir: opts.templateDir }, opts);
  if (errors.length === 0) errors.push(...checkMerged(config));
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserErrors(errors);
  return config;
}
export { LABEL_CONFIG, parseImageLabel } from './label.js';
