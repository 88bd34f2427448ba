// runtime.json: what the in-VM init does around `runc create` for one container (cgroups to
// make, mounts and directories in the root namespace, interfaces, namespaces to bind), from the
// merged `runtime` block (lk:src/cmd/linuxkit/moby/config.go:717-747, assignRuntime), with the
// mounts that assemble the container's root filesystem in front
// (lk:src/cmd/linuxkit/moby/build/image.go:474-540).
import { NAMESPACES, type Runtime } from '../config/index.js';
import type { OciMount, RuntimeJson } from './oci-runtime.js';
import { givenMount } from './mounts.js';

/** The runtime block with every field present, as LinuxKit writes it. */
export function runtimeJson(runtime: Runtime | undefined): RuntimeJson {
  const r = runtime ?? {};
  const ns = r.bindNS ?? {};
  return {
    cgroups: r.cgroups ?? [],
    // runtime mounts are written as given: no defaults are filled in, unlike `mounts`
    mounts: (r.mounts ?? []).map(givenMount),
    mkdir: r.mkdir ?? [],
    interfaces: (r.interfaces ?? []).map((i) => {
      const out: RuntimeJson['interfaces'][number] = { createInRoot: i.createInRoot ?? false };
      if (i.name !== undefined) out.name = i.name;
      if (i.add !== undefined) out.add = i.add;
      if (i.peer !== undefined) out.peer = i.peer;
      return out;
    }),
    bindNS: Object.fromEntries(Object.keys(NAMESPACES.fields).map((n) => [n, ns[n as keyof typeof ns] ?? ''])) as RuntimeJson['bindNS'],
    namespace: r.namespace ?? '',
    // linuxkit-ts extension, always in its object form for the init; absent → not written, so
    // runtime.json stays byte-identical to LinuxKit's for configs without it.
    ...(r.restart !== undefined && { restart: restartJson(r.restart) }),
  };
}

/** `restart` in the object form Go holds (the init reads it): a bare policy is `{ policy }`. */
export function restartJson(restart: NonNullable<Runtime['restart']>): NonNullable<RuntimeJson['restart']> {
  return typeof restart === 'string' ? { policy: restart } : { ...restart };
}

/** runtime.json for a bundle: the rootfs mounts of its layout, then the container's own. */
export function withRootfsMounts(runtime: RuntimeJson, rootfsMounts: readonly OciMount[]): RuntimeJson {
  return { ...runtime, mounts: [...rootfsMounts, ...runtime.mounts] };
}
