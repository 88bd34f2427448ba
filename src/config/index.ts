// The config step: YAML files → one merged, validated, typed Config (with source positions).
// PLACEHOLDER until the foundation issue's config module lands; the API below is the contract
// that `build` and the library use.
import { NotImplementedError } from '../util/errors.js';
import type { Config } from './types.js';

export type { Config } from './types.js';

/**
 * Reads (file path, `-` for stdin, or http(s) URL), parses, validates and merges the files in
 * order, as `linuxkit build a.yml b.yml` does. Throws UserError(s) naming file:line:col.
 */
export async function loadConfigs(_sources: string[]): Promise<Config> {
  throw new NotImplementedError('YAML loading');
}

/** The merged config as YAML, as `build --dry-run` prints it. */
export function configToYaml(_config: Config): string {
  throw new NotImplementedError('YAML output');
}
