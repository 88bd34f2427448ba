// runtime.json: what the in-VM init does around `runc create` for one container (cgroups to
// make, mounts and directories in the root namespace, interfaces, namespaces to bind), from the
// merged `runtime` block (lk:src/cmd/linuxkit/moby/config.go:717-747, assignRuntime), with the
// mounts that assemble the container's root filesystem in front
// (lk:src/cmd/linuxkit/moby/build/image.go:474-540).
import type { Runtime } from '../config/index.js';
import type { OciMount, RuntimeJson } from './oci-runtime.js';
import { mountIdMappings } from './mounts.js';

/** The runtime block with every field present, as LinuxKit writes it. */
export function runtimeJson(runtime: Runtime | undefined): RuntimeJson {
  const r = runtime ?? {};
  const ns = r.bindNS ?? {};
  return {
    cgroups: r.cgroups ?? [],
    // runtime mounts are written as given: no defaults are filled in, unlike `mounts`
    mounts: (r.mounts ?? []).map((m) => {
      const out: OciMount = { destination: m.destination ?? '' };
      if (m.type !== undefined) out.type = m.type;
      if (m.source !== undefined) out.source = m.source;
      if (m.options !== undefined) out.options = m.options;
      return { ...out, ...mountIdMappings(m) };
    }),
    mkdir: r.mkdir ?? [],
    interfaces: (r.interfaces ?? []).map((i) => {
      const out: RuntimeJson['interfaces'][number] = { createInRoot: i.createInRoot ?? false };
      if (i.name !== undefined) out.name = i.name;
      if (i.add !== undefined) out.add = i.add;
      if (i.peer !== undefined) out.peer = i.peer;
      return out;
    }),
    bindNS: {
      cgroup: ns.cgroup ?? '',
      ipc: ns.ipc ?? '',
      mnt: ns.mnt ?? '',
      net: ns.net ?? '',
      pid: ns.pid ?? '',
      user: ns.user ?? '',
      uts: ns.uts ?? '',
    },
    namespace: r.namespace ?? '',
    // linuxkit-ts extension, always in its object form for the init; absent → not written, so
    // runtime.json stays byte-identical to LinuxKit's for configs without it.
    ...(r.restart !== undefined && {
      restart: typeof r.restart === 'string' ? { policy: r.restart } : { ...r.restart },
    }),
  };
}

/** runtime.json for a bundle: the rootfs mounts of its layout, then the container's own. */
export function withRootfsMounts(runtime: RuntimeJson, rootfsMounts: readonly OciMount[]): RuntimeJson {
  return { ...runtime, mounts: [...rootfsMounts, ...runtime.mounts] };
}
