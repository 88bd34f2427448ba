// Where containers and volumes live in the root filesystem, and how each container's bundle is
// laid out (lk:src/cmd/linuxkit/moby/build/build.go:121 and image.go:433-540,
// lk:src/cmd/linuxkit/moby/config.go:268-282, const.go).
//
// A bundle is containers/<section>/<name>/ (onboot and onshutdown names get a 000- style index
// prefix) holding config.json, runtime.json and the root filesystem:
// - read-only: the image is unpacked in rootfs/, which runtime.json bind-mounts onto itself
//   (runc wants the root to be a mount point);
// - writable: the image is unpacked in lower/; runtime.json mounts a tmpfs on tmp/ and an
//   overlay of lower/ + tmp/upper on rootfs/.
// An image used by several containers is unpacked only once, in the first bundle that uses it;
// later bundles mount that directory instead.
import type { ContainerSection } from '../config/index.js';
import type { OciMount } from './oci-runtime.js';

/** The root of all volumes (LinuxKit's allVolumesBaseDir). */
export const VOLUMES_BASE_DIR = '/containers/volumes';

/** A volume's directories: the image (or empty dir) in lower, overlay work in tmp, merged view. */
export function volumeDirs(name: string): { base: string; lower: string; tmp: string; merged: string } {
  const base = `${VOLUMES_BASE_DIR}/${name}`;
  return { base, lower: `${base}/lower`, tmp: `${base}/tmp`, merged: `${base}/merged` };
}

/** "containers/onboot/000-name", "containers/services/name" (no leading slash, as in the tar). */
export function bundlePath(section: ContainerSection, index: number, name: string): string {
  const prefix = section === 'services' ? '' : `${String(index).padStart(3, '0')}-`;
  return `containers/${section}/${prefix}${name}`;
}

/** "onboot[0]": where an entry is in the YAML, as recorded in LinuxKit's tar PAX headers. */
export function bundleLocation(section: ContainerSection, index: number): string {
  return `${section}[${index}]`;
}

export interface BundleLayout {
  /** The bundle directory, e.g. "containers/services/getty". */
  path: string;
  readonly: boolean;
  /** Where to unpack the image; undefined when an earlier bundle's copy is reused. */
  extractTo?: string;
  /** The unpacked image this bundle's root filesystem comes from. */
  root: string;
  /** Empty directories the bundle needs besides the unpacked image (after config.json). */
  mountpoints: string[];
  /** The mounts that go first in runtime.json, making `rootfs`. */
  rootfsMounts: OciMount[];
}

/**
 * The layout of one bundle. `sharedRoot` is the directory where an earlier bundle unpacked the
 * same image, if any.
 */
export function bundleLayout(path: string, readonly: boolean, sharedRoot?: string): BundleLayout {
  const own = `${path}/${readonly ? 'rootfs' : 'lower'}`;
  const root = sharedRoot ?? own;
  const rootfs = `${path}/rootfs`;
  const layout: BundleLayout = { path, readonly, root, mountpoints: [], rootfsMounts: [] };
  if (sharedRoot === undefined) layout.extractTo = own;
  if (readonly) {
    if (sharedRoot !== undefined) layout.mountpoints.push(rootfs);
    layout.rootfsMounts.push({ destination: `/${rootfs}`, source: `/${root}`, options: ['bind'] });
  } else {
    const tmp = `${path}/tmp`;
    layout.mountpoints.push(tmp, rootfs);
    layout.rootfsMounts.push(
      { destination: `/${tmp}`, type: 'tmpfs', source: 'tmpfs' },
      // private: nothing else should see the temporary layers
      { destination: `/${tmp}`, options: ['remount', 'private'] },
      {
        destination: `/${rootfs}`,
        type: 'overlay',
        source: 'overlay',
        options: [`lowerdir=/${root}`, `upperdir=/${tmp}/upper`, `workdir=/${tmp}/work`],
      },
    );
  }
  return layout;
}

/**
 * Layouts for all bundles of a build, in build order (onboot, onshutdown, services), sharing
 * unpacked images by reference. `ref` must be the fully qualified reference, so that two
 * spellings of one image are recognised as the same.
 */
export function layoutBundles(bundles: ReadonlyArray<{ path: string; ref: string; readonly: boolean }>): BundleLayout[] {
  const unpacked = new Map<string, string>();
  return bundles.map((b) => {
    const layout = bundleLayout(b.path, b.readonly, unpacked.get(b.ref));
    if (layout.extractTo !== undefined) unpacked.set(b.ref, layout.extractTo);
    return layout;
  });
}
