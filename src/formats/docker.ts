// docker (lk:moby/build/build.go, the "docker" addition): the root filesystem tar with a
// Dockerfile added, a build context for `docker build -` that makes an image of the root
// filesystem starting /bin/rc.init. Streamable as LinuxKit's (`-o -`, default NAME.docker).
// The records are written back as a tar (the build hands them over without one), then
// LinuxKit's Dockerfile, root-owned, mode 0644, at LinuxKit's fixed time.
import { LINUXKIT_MOD_TIME } from './defaults.js';
import { tarStream, type TarItem, type TarRecord } from '../tar/index.js';
import { writeStreamed } from './tar.js';
import { recordFormat } from './types.js';

/** LinuxKit's Dockerfile (build.go `dockerfile`), byte for byte. */
export const DOCKERFILE = '\nFROM scratch\n\nCOPY . ./\n\nENTRYPOINT ["/bin/rc.init"]\n';

async function* withDockerfile(entries: AsyncIterable<TarRecord>): AsyncGenerator<TarItem> {
  for await (const r of entries) yield { header: r.header, data: r.body };
  yield { header: { name: 'Dockerfile', mode: 0o644, uid: 0, gid: 0, size: DOCKERFILE.length, mtime: new Date(LINUXKIT_MOD_TIME * 1000) }, data: DOCKERFILE };
}

export const dockerFormat = recordFormat(
  {
    name: 'docker',
    description: 'the root filesystem tar with a Dockerfile: a context for docker build',
    streamable: true,
    files: (name) => [`${name}.docker`],
  },
  (entries, target) => writeStreamed(tarStream(withDockerfile(entries)), target, 'docker'),
);
