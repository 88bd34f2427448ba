// `--disk [file=]path[,size=1G][,format=qcow2]`, as LinuxKit parses it (lk:src/cmd/linuxkit/util.go
// Disks.Set, getDiskSizeMB): a bare word is the path, size defaults to GB, "M" means MB.
import { UserError } from '../util/index.js';

export interface DiskConfig {
  /** Image file; empty when only a size was given (the backend then puts it in the state dir). */
  path: string;
  /** Size in MB, 0 when not given (then the file must exist). */
  sizeMB: number;
  /** qemu image format (raw, qcow2, …); empty means let qemu probe it. */
  format: string;
}

/** A size as LinuxKit's getDiskSizeMB reads it (`--disk size=`, `build --size`); `what` names it in errors. */
export function parseDiskSizeMB(s: string, what = '--disk size'): number {
  if (s === '') return 0;
  const m = /^(\d+)([MG]?)$/.exec(s);
  if (!m) throw new UserError(`${what} "${s}" is not a number of GB or MB (e.g. 4G, 512M)`);
  const n = Number(m[1]);
  return m[2] === 'M' ? n : n * 1024;
}

export function parseDisk(value: string): DiskConfig {
  const d: DiskConfig = { path: '', sizeMB: 0, format: '' };
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      d.path = part;
      continue;
    }
    const key = part.slice(0, eq);
    const val = part.slice(eq + 1);
    switch (key) {
      case 'file':
        d.path = val;
        break;
      case 'size':
        d.sizeMB = parseDiskSizeMB(val);
        break;
      case 'format':
        d.format = val;
        break;
      default:
        throw new UserError(`--disk "${value}": unknown disk setting "${key}" (expected file, size or format)`);
    }
  }
  return d;
}
