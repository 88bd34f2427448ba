// One container as an OCI bundle in the output (lk:moby/build/image.go ImageBundle):
//   containers/<section>/<name>/config.json, runtime.json, and either
//   rootfs/ (readonly: the image unpacked there, bind-mounted onto itself) or
//   lower/ + tmp/ + rootfs/ (writable: an overlay of a tmpfs upper on the unpacked lower).
// A second container of the same image reuses the first one's unpacked tree.
import { posix } from 'node:path';
import type { Mount } from '../config/types.js';
import type { ResolvedImage } from './image-source.js';
import { sourcePax, writeImageTree, writePrefixDirs } from './image-tree.js';
import { generated, type TarSink } from './tar-sink.js';

export interface BundleInput {
  /** "containers/onboot/000-dhcpcd" */
  dir: string;
  /** "onboot[0]" */
  location: string;
  image: ResolvedImage;
  /** The exact bytes of config.json. */
  configJson: string;
  /** config.json's root.readonly. */
  readonly: boolean;
  /** runtime.json's bytes, given the rootfs mounts the bundle layout needs in front of the user's. */
  runtimeJson(rootfsMounts: Mount[]): string;
}

/** ref → the directory where that image was first unpacked ("containers/onboot/000-x/lower"). */
export type UnpackedImages = Map<string, string>;

export async function writeBundle(sink: TarSink, b: BundleInput, unpacked: UnpackedImages): Promise<void> {
  const source = b.image.ref;
  const pax = sourcePax(source, b.location);
  const add = async (name: string, contents: string) =>
    sink.add(generated({ name: posix.join(b.dir, name), type: 'file', size: Buffer.byteLength(contents), pax }), contents);
  const mkdir = async (name: string) => sink.add(generated({ name: posix.join(b.dir, name), type: 'directory', pax }));

  let root = posix.join(b.dir, b.readonly ? 'rootfs' : 'lower');
  const shared = unpacked.get(source);
  if (shared === undefined) {
    await writeImageTree(sink, b.image, { location: b.location, prefix: root + '/' });
    unpacked.set(source, root);
  } else {
    await writePrefixDirs(sink, b.dir + '/', source, b.location);
    root = shared;
  }
  await add('config.json', b.configJson);

  let rootfsMounts: Mount[];
  const rootfs = '/' + posix.join(b.dir, 'rootfs');
  if (!b.readonly) {
    const tmp = posix.join(b.dir, 'tmp');
    await mkdir('tmp');
    await mkdir('rootfs');
    rootfsMounts = [
      { source: 'tmpfs', type: 'tmpfs', destination: '/' + tmp },
      // Private, so nothing else sees the container's temporary layers.
      { destination: '/' + tmp, options: ['remount', 'private'] },
      {
        source: 'overlay',
        type: 'overlay',
        destination: rootfs,
        options: [`lowerdir=/${root}`, `upperdir=/${tmp}/upper`, `workdir=/${tmp}/work`],
      },
    ];
  } else {
    if (shared !== undefined) await mkdir('rootfs');
    // runc wants rootfs to be a mount point: bind it onto itself (or from the shared copy).
    rootfsMounts = [{ source: '/' + root, destination: rootfs, options: ['bind'] }];
  }
  await add('runtime.json', b.runtimeJson(rootfsMounts));
}
