// Benchmark (not a test): pull a ~200 MB multi-layer image from a local registry into an empty
// cache with linuxkit-ts, side by side with `skopeo copy docker://… oci:…`. Prints each run,
// the medians and the ratio. Run with bench/pull.sh (it builds first).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestRegistry, writeTestLayout, skopeo } from '../dist/src/oci/registry/testing.js';
import { pullImage } from '../dist/src/oci/pull.js';
import { LayoutStore } from '../dist/src/oci/cache/index.js';

const RUNS = Number(process.env.RUNS ?? 5);
const LAYER_MB = Number(process.env.LAYER_MB ?? 25);
const LAYERS = Number(process.env.LAYERS ?? 8);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const work = mkdtempSync(join(tmpdir(), 'lkts-bench-pull-'));
const reg = await startTestRegistry();
try {
  const layout = join(work, 'layout');
  await writeTestLayout(layout, 'v1', [{ architecture: 'amd64', layers: Array(LAYERS).fill(LAYER_MB * 1024 * 1024) }]);
  skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/bench/big:v1`]);
  const ref = `${reg.host}/bench/big:v1`;
  console.log(`image: ${LAYERS} layers x ${LAYER_MB} MiB (random, gzip), ${RUNS} runs each, registry ${reg.host}`);
  const ours = [];
  const theirs = [];
  for (let i = 0; i < RUNS; i++) {
    const cache = join(work, `cache-${i}`);
    let t = process.hrtime.bigint();
    const store = await LayoutStore.open(cache);
    const r = await pullImage(ref, store, { arch: 'amd64' });
    ours.push(Number(process.hrtime.bigint() - t) / 1e9);
    rmSync(cache, { recursive: true, force: true });

    const oci = join(work, `oci-${i}`);
    t = process.hrtime.bigint();
    execFileSync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `oci:${oci}:v1`]);
    theirs.push(Number(process.hrtime.bigint() - t) / 1e9);
    rmSync(oci, { recursive: true, force: true });
    console.log(`run ${i + 1}: linuxkit-ts ${ours[i].toFixed(2)} s (${(r.bytesFetched / 2 ** 20).toFixed(0)} MiB), skopeo ${theirs[i].toFixed(2)} s`);
  }
  const a = median(ours);
  const b = median(theirs);
  console.log(`median: linuxkit-ts ${a.toFixed(2)} s, skopeo ${b.toFixed(2)} s, ratio (ours/skopeo) ${(a / b).toFixed(2)}`);
} finally {
  await reg.stop();
  rmSync(work, { recursive: true, force: true });
}
