// Which namespaces a container creates or joins (lk:src/cmd/linuxkit/moby/config.go:935-979).
// By default a container shares the host's network, IPC, UTS and user namespaces (like a pod),
// and gets its own PID and mount namespaces. LinuxKit has no setting for the cgroup or time
// namespace: containers share the host's.
import type { OciNamespace } from './oci-runtime.js';

export interface NamespaceSettings {
  net?: string;
  ipc?: string;
  uts?: string;
  pid?: string;
  userns?: string;
}

/**
 * One namespace setting: "host" or "root" shares the host's (no entry); "new" (and for the
 * network also "none") makes a new one; anything else is the path of a namespace to join.
 * `fallback` is used when the setting is absent or "".
 */
function namespace(type: OciNamespace['type'], value: string | undefined, fallback: string, newWords: string[]): OciNamespace | undefined {
  const v = value === undefined || value === '' ? fallback : value;
  if (v === 'host' || v === 'root') return undefined;
  if (v === '' || newWords.includes(v)) return { type };
  return { type, path: v };
}

/** The OCI namespace list, in LinuxKit's order: network, ipc, uts, pid, user, mount. */
export function containerNamespaces(s: NamespaceSettings): OciNamespace[] {
  const list = [
    namespace('network', s.net, 'root', ['none', 'new']),
    namespace('ipc', s.ipc, 'root', ['new']),
    namespace('uts', s.uts, 'root', ['new']),
    namespace('pid', s.pid, '', ['new']),
    namespace('user', s.userns, 'root', ['new']),
    // always a new mount namespace
    { type: 'mount' as const },
  ];
  return list.filter((n): n is OciNamespace => n !== undefined);
}
