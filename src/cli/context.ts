// Global flags shared by every command, as LinuxKit defines them on its root command
// (lk:src/cmd/linuxkit/cmd.go): --cache, --mirror, --cert-file, -q/--quiet, -v/--verbose.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';

export const ENV_CACHE_DIR = 'LINUXKIT_CACHE';
export { ENV_MIRROR } from '../util/index.js';

export interface GlobalOptions {
  cache: string;
  mirror: string[];
  certFile: string[];
  quiet: boolean;
  verbose: number;
}

/** `~/.linuxkit/cache`, or $LINUXKIT_CACHE when set. */
export function defaultCacheDir(): string {
  return process.env[ENV_CACHE_DIR] || join(homedir(), '.linuxkit', 'cache');
}

/** The global options as seen from any (sub)command. */
export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** Collects a repeatable string option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
