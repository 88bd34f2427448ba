// Merging configs in order, with LinuxKit's AppendConfig rules: a kernel field given later
// overrides (image, cmdline, binary when non-empty; tar, ucode when present, even ""); init,
// onboot, onshutdown, services, files and volumes are appended. Entries are shared, not copied,
// so their source positions stay valid.
import { copyFieldPos, recordConcatPositions, recordPositions, sourcePos } from './positions.js';
import type { Config, KernelConfig } from './types.js';

export function appendConfig(a: Config, b: Config): Config {
  const out: Config = { ...a };
  if (b.kernel) out.kernel = mergeKernel(a.kernel, b.kernel);
  for (const key of ['init', 'onboot', 'onshutdown', 'services', 'files', 'volumes'] as const) {
    const more = b[key];
    if (more === undefined) continue;
    const prev = out[key] as unknown[] | undefined;
    // A list already coming from one file keeps its positions; a merged one is a fresh list.
    if (!prev) {
      (out as Record<string, unknown>)[key] = more;
      continue;
    }
    const merged = [...prev, ...more];
    recordConcatPositions(merged, [prev, more], key);
    (out as Record<string, unknown>)[key] = merged;
  }
  return out;
}

function mergeKernel(a: KernelConfig | undefined, b: KernelConfig): KernelConfig {
  if (!a) return b;
  const k: KernelConfig = { ...a };
  const pos = sourcePos(a) ?? sourcePos(b);
  if (pos) recordPositions(k, pos, 'kernel');
  for (const f of Object.keys(a)) copyFieldPos(a, k, f);
  const take = (f: keyof KernelConfig): void => {
    (k as unknown as Record<string, unknown>)[f] = b[f];
    copyFieldPos(b, k, f);
  };
  if (b.image) take('image');
  if (b.cmdline) take('cmdline');
  if (b.binary) take('binary');
  if (b.tar !== undefined) take('tar');
  if (b.ucode !== undefined) take('ucode');
  return k;
}
