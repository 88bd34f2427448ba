// Which component of an image an entry belongs to: the kernel, its modules, each init image,
// each container, the YAML's files, the SBOM. In a build's tar every entry says where it came
// from (LinuxKit's LINUXKIT.source / LINUXKIT.location PAX records, src/assemble/tar-sink.ts);
// in an initrd those records are gone and the path has to say it (the layout of DESIGN.md
// contract 3), with the member of a segmented initrd telling init images apart
// (src/inspect/initrd.ts). Used by `linuxkit inspect` and by bench/boot.mjs's size shares.

export type ComponentKind = 'kernel' | 'modules' | 'init' | 'onboot' | 'service' | 'onshutdown' | 'volume' | 'files' | 'sbom' | 'structure';

export interface Component {
  /** Stable key: "kernel", "modules", "init[0]", "services/getty", "files", … */
  id: string;
  kind: ComponentKind;
  /** What a person reads: "init[0] linuxkit/init", "service getty". */
  label: string;
  /**
   * Where the component's own files start in the image ("containers/services/getty/"), so that a
   * tree of it need not repeat it; "" for components at the root.
   */
  prefix: string;
}

/** The archive's own bytes that belong to no file: end-of-archive blocks, trailer, padding. */
export const STRUCTURE: Component = { id: 'structure', kind: 'structure', label: '(archive structure)', prefix: '' };
/** Entries whose origin and path say nothing known. */
export const OTHER: Component = { id: 'other', kind: 'files', label: 'other', prefix: '' };
const KERNEL: Component = { id: 'kernel', kind: 'kernel', label: 'kernel', prefix: '' };
const MODULES: Component = { id: 'modules', kind: 'modules', label: 'kernel modules', prefix: '' };
const FILES: Component = { id: 'files', kind: 'files', label: 'files (YAML files:)', prefix: '' };
const SBOM: Component = { id: 'sbom', kind: 'sbom', label: 'SBOM', prefix: '' };

/** The default name of the merged SBOM (src/assemble/sbom.ts DEFAULT_SBOM_FILENAME). */
const SBOM_PATH = /^sbom\.spdx\.json$/;
const CONTAINER_PATH = /^containers\/(onboot|services|onshutdown)\/([^/]+)(\/|$)/;
const MODULES_PATH = /^lib\/modules(\/|$)/;
const BOOT_PATH = /^boot(\/|$)/;
const SECTION_KIND = { onboot: 'onboot', services: 'service', onshutdown: 'onshutdown' } as const;

/** docker.io/linuxkit/init:abc… → linuxkit/init (what a person recognises). */
export function shortImage(source: string): string {
  return source
    .replace(/^docker\.io\//, '')
    .replace(/^library\//, '')
    .replace(/@sha256:.*$/, '')
    .replace(/:[^/:]*$/, '');
}

/** The container a path is inside (containers/SECTION/NAME/…), if any. */
function containerOf(path: string): Component | undefined {
  const m = CONTAINER_PATH.exec(path);
  if (!m) return undefined;
  const section = m[1] as keyof typeof SECTION_KIND;
  const dir = m[2]!;
  // onboot/onshutdown directories are numbered for their order (000-dhcpcd); the name is the rest.
  const name = section === 'services' ? dir : dir.replace(/^\d{3}-/, '');
  return { id: `${section}/${dir}`, kind: SECTION_KIND[section], label: `${SECTION_KIND[section]} ${name}`, prefix: `containers/${section}/${dir}/` };
}

/** The component of a tar entry, from its origin records (falling back on its path). */
export function componentOfOrigin(path: string, source: string | undefined, location: string | undefined): Component {
  const loc = location?.split(' ')[0];
  if (loc === 'kernel') return MODULES_PATH.test(path) ? MODULES : KERNEL;
  const init = loc && /^init\[(\d+)\]$/.exec(loc);
  if (init) return { id: loc, kind: 'init', label: `${loc}${source ? ` ${shortImage(source)}` : ''}`, prefix: '' };
  // The apk database the build writes for init images (src/assemble/apk-db.ts).
  if (loc === 'init') return { id: 'init', kind: 'init', label: 'init (apk database)', prefix: '' };
  if (loc && /^files\[\d+\]$/.test(loc)) return FILES;
  const volume = loc && /^volume\[\d+\]$/.exec(loc);
  if (volume) return { id: loc, kind: 'volume', label: loc, prefix: '' };
  const container = containerOf(path);
  if (container) return { ...container, label: source ? `${container.label} (${shortImage(source)})` : container.label };
  return componentOfPath(path) ?? OTHER;
}

/**
 * The component a path alone says (an initrd has no origin records): a container, the kernel's
 * modules, the kernel's boot files or the SBOM; undefined for the rest (init images, files).
 */
export function componentOfPath(path: string): Component | undefined {
  const container = containerOf(path);
  if (container) return container;
  if (MODULES_PATH.test(path)) return MODULES;
  if (BOOT_PATH.test(path)) return KERNEL;
  if (SBOM_PATH.test(path)) return SBOM;
  return undefined;
}

/** The component of an initrd file that its path does not place, from the member it is in. */
export function unplacedComponent(member: { initIndex?: number; afterContainers: boolean; kernel: boolean }, initNames: string[] | undefined): Component {
  if (member.kernel) return KERNEL;
  if (member.afterContainers) return FILES;
  if (member.initIndex === undefined) return { id: 'init', kind: 'init', label: 'init images', prefix: '' };
  const i = member.initIndex;
  const name = initNames?.[i];
  return { id: `init[${i}]`, kind: 'init', label: `init[${i}]${name ? ` ${shortImage(name)}` : ''}`, prefix: '' };
}

/** The kernel file of a kernel+initrd output, and its cmdline, as components. */
export const KERNEL_COMPONENT = KERNEL;
