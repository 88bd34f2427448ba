// Where linuxkit-ts keeps small host-specific facts (the KVM probe verdict), downloads and the
// build's derived caches: $XDG_CACHE_HOME/linuxkit-ts, or ~/.cache/linuxkit-ts. Separate from the
// image cache (~/.linuxkit/cache), which LinuxKit shares and must stay an OCI layout.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function toolCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'linuxkit-ts');
}

/**
 * One of linuxkit-ts's caches: the directory named by the environment variable `envVar`, else
 * `name` under toolCacheDir(); undefined when the variable is "off".
 */
export function toolCacheSubdir(envVar: string, name: string): string | undefined {
  const v = process.env[envVar];
  if (v === 'off') return undefined;
  return v || join(toolCacheDir(), name);
}
