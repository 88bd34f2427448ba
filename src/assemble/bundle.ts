// One container as an OCI bundle in the output (lk:moby/build/image.go ImageBundle). What goes
// where is planned by the spec step (src/spec containerBundles: paths, shared unpacked images,
// config.json and runtime.json bytes); this writes that plan into the tar.
import { posix } from 'node:path';
import type { ContainerBundle } from '../spec/index.js';
import type { ResolvedImage } from './image-source.js';
import { sourcePax, writeImageTree, writePrefixDirs } from './image-tree.js';
import { generated, type TarSink } from './tar-sink.js';

export async function writeBundle(sink: TarSink, b: ContainerBundle, image: ResolvedImage): Promise<void> {
  const pax = sourcePax(b.ref, b.location);
  const { path, extractTo, mountpoints } = b.layout;
  if (extractTo !== undefined) {
    await writeImageTree(sink, image, { location: b.location, prefix: extractTo + '/' });
  } else {
    // The image was unpacked by an earlier bundle; this one only needs its own directory.
    await writePrefixDirs(sink, path + '/', b.ref, b.location);
  }
  const file = (name: string, contents: string) =>
    sink.add(generated({ path: posix.join(path, name), type: 'file', size: Buffer.byteLength(contents), pax }), contents);
  await file('config.json', b.configJson);
  for (const dir of mountpoints) await sink.add(generated({ path: dir, type: 'directory', pax }));
  await file('runtime.json', b.runtimeJson);
}
