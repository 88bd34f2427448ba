// Short names to the full references the cache is keyed by, as LinuxKit's
// util.ReferenceExpand(name, ReferenceWithTag()) does: `redis` → `docker.io/library/redis:latest`,
// `foo/bar` → `docker.io/foo/bar:latest`, `host:5000/x` unchanged but for the tag.
// (src/oci/reference.ts, from the registry work, parses references fully; this is only the
// expansion the cache commands need, and can be replaced by its normalizeReference.)
export function expandReference(name: string): string {
  let ret = name;
  const parts = name.split('/');
  if (parts.length === 1) ret = `docker.io/library/${name}`;
  else if (parts.length === 2 && !parts[0]!.includes('.') && !parts[0]!.includes(':') && parts[0] !== 'localhost') ret = `docker.io/${name}`;
  const last = ret.slice(ret.lastIndexOf('/') + 1);
  if (!last.includes(':') && !last.includes('@')) ret += ':latest';
  return ret;
}
