// Where linuxkit-ts keeps small host-specific facts (the KVM probe verdict) and downloads:
// $XDG_CACHE_HOME/linuxkit-ts, or ~/.cache/linuxkit-ts. Separate from the image cache
// (~/.linuxkit/cache), which LinuxKit shares and must stay an OCI layout.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function toolCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'linuxkit-ts');
}
