#!/usr/bin/env node
// Benchmark (not a test): how fast each initrd compression boots. Converts a root filesystem tar
// (bench/make-bench-tar.sh; its /init prints "LKBENCH-INIT uptime=S") with kernel+initrd once per
// compression, then boots them in turn under qemu TCG, RUNS rounds (paired, so load on the
// machine hits every compression alike), and prints the median guest uptime at init and the
// median qemu wall time.
//
// usage: npm run build && node bench/formats-boot.mjs [TAR] [RUNS] [MEM_MB]
//   COMPRESSIONS=gzip,zstd,lz4:1,none picks compressions (and levels).
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tar = process.argv[2] ?? '/tmp/bench-large.tar';
const runs = Number(process.argv[3] ?? 3);
const mem = process.argv[4] ?? '1024';
const { getFormat } = await import(new URL('../dist/src/formats/registry.js', import.meta.url));
const compressions = (process.env.COMPRESSIONS ?? 'gzip,zstd,lz4,none').split(',');
const dir = mkdtempSync(join(tmpdir(), 'bench-boot-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  // An entry may carry a level: "lz4:1".
  for (const c of compressions) {
    const [compress, level] = c.split(':');
    await getFormat('kernel+initrd').write(createReadStream(tar), { dir, name: c }, { compress, level: level ? Number(level) : undefined });
  }
  const res = Object.fromEntries(compressions.map((c) => [c, { uptime: [], wall: [] }]));
  for (let i = 0; i < runs; i++) {
    for (const c of compressions) {
      const t0 = Date.now();
      const r = spawnSync(
        'qemu-system-x86_64',
        [
          '-accel',
          'tcg',
          '-m',
          mem,
          '-nographic',
          '-no-reboot',
          '-kernel',
          join(dir, `${c}-kernel`),
          '-initrd',
          join(dir, `${c}-initrd.img`),
          '-append',
          `${readFileSync(join(dir, `${c}-cmdline`), 'utf8')} quiet`,
        ],
        { encoding: 'utf8', timeout: 180_000 },
      );
      const m = /LKBENCH-INIT uptime=([\d.]+)/.exec(r.stdout);
      if (!m) throw new Error(`${c}: no marker:\n${r.stdout.slice(-2000)}`);
      res[c].uptime.push(Number(m[1]));
      res[c].wall.push((Date.now() - t0) / 1000);
    }
  }
  console.log(`input ${tar}, qemu TCG -m ${mem}, ${runs} paired rounds, medians`);
  console.log('| compression | initrd MB | guest uptime at init s | qemu wall s |');
  console.log('|---|---|---|---|');
  for (const c of compressions) {
    const size = statSync(join(dir, `${c}-initrd.img`)).size / 1e6;
    console.log(`| ${c} | ${size.toFixed(1)} | ${median(res[c].uptime).toFixed(2)} | ${median(res[c].wall).toFixed(2)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
