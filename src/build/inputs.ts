// A build's outputs must not be its own inputs. `-o x.yml x.yml` would replace the YAML with a
// tar once the build is done (LinuxKit truncates it before even reading it), and `-o` into the
// image cache would replace its index.json or a blob. Each output path is followed through its
// symlinks (as it will be written) and compared with every local input by path and by inode (a
// hard link to the YAML is the YAML), and with the caches the build reads by directory.
import { realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { locateOutput } from '../formats/index.js';
import { UserError } from '../util/index.js';

export interface BuildInputs {
  /** Local files read whole: the YAML files, --input-tar, `files:` sources. */
  files: Array<{ path: string; what: string }>;
  /** Directories the build reads from or keeps data in: the image cache, the layer and initrd caches. */
  dirs: Array<{ path: string; what: string }>;
}

async function real(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

function inside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/** Throws when an output of the build would land on one of its inputs. */
export async function checkOutputsAreNotInputs(outputs: string[], inputs: BuildInputs): Promise<void> {
  for (const output of outputs) {
    const place = await locateOutput(output);
    // Devices, fifos, sockets and descriptors are written in place: nothing an input is read from.
    if (place.kind !== 'file') continue;
    const out = await stat(place.path).catch(() => undefined);
    for (const input of inputs.files) {
      const st = await stat(input.path).catch(() => undefined);
      const same = (await real(input.path)) === place.path || (out && st && out.dev === st.dev && out.ino === st.ino);
      if (same) throw new UserError(`the output ${output} is ${input.what} ${input.path}, which this build reads; choose another output`);
    }
    for (const dir of inputs.dirs) {
      if (inside(place.path, await real(dir.path)) || inside(place.path, resolve(dir.path))) {
        throw new UserError(`the output ${output} is inside ${dir.what} ${dir.path}; choose another output`);
      }
    }
  }
}
