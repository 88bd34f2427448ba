// The demo's report: image size (kernel, initrd, and each part's share of the root filesystem,
// from the LINUXKIT.location / LINUXKIT.source PAX records `linuxkit build` puts on every tar
// entry), boot time (from the init's stage lines on the console), the address dhcpcd leased and
// the memory in use (the line examples/fragments/poweroff.yml prints). Usage: node scripts/demo-report.mjs PREFIX TAR CONSOLE_LOG
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const { readRawTar } = await import(join(dirname(fileURLToPath(import.meta.url)), '../dist/src/tar/index.js'));
const { parseMemory, parseStages } = await import(join(dirname(fileURLToPath(import.meta.url)), '../dist/src/bench/index.js'));

const [prefix, tarFile, consoleLog] = process.argv.slice(2);
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

/** Bytes of file content per top-level part ("init[0] linuxkit/init"), in tar order. */
async function partSizes(file) {
  const parts = new Map();
  for await (const { header: h } of readRawTar(createReadStream(file))) {
    const loc = (h.pax?.['LINUXKIT.location'] ?? '').split(' ')[0] || 'other';
    const src = h.pax?.['LINUXKIT.source'] ?? (h.name.endsWith('.spdx.json') ? 'sbom' : '');
    const short = src.replace(/^docker\.io\//, '').replace(/:.*$/, '');
    const key = short && short !== loc ? `${loc} ${short}` : loc;
    parts.set(key, (parts.get(key) ?? 0) + (h.type === 'file' ? h.size : 0));
  }
  return parts;
}

const kernel = statSync(`${prefix}-kernel`).size;
const initrd = statSync(`${prefix}-initrd.img`).size;
const parts = await partSizes(tarFile);
const total = [...parts.values()].reduce((a, b) => a + b, 0);
console.log('== report');
console.log(`image: ${mb(kernel + initrd)} = kernel ${mb(kernel)} + initrd ${mb(initrd)} (compressed; ${mb(total)} of files unpacked)`);
const firstOf = new Map(); // image → the first part that holds it
for (const [k, v] of parts) {
  const image = k.split(' ')[1] ?? k;
  const shared = firstOf.has(image) ? `  (image files shared with ${firstOf.get(image)}: stored once)` : '';
  if (!firstOf.has(image)) firstOf.set(image, k.split(' ')[0]);
  console.log(`  ${k.padEnd(34)} ${mb(v).padStart(9)}  ${((100 * v) / total).toFixed(1).padStart(5)} %${shared}`);
}

const text = readFileSync(consoleLog, 'utf8');
const stages = parseStages(text);
const stage = (what) => stages.find((s) => s.what === what)?.t;
const t = {
  init: stage('init start'),
  services: stage('services started'),
  shutdown: stage('shutdown start'),
  down: stage('shutdown done'),
};
if (t.services === undefined) {
  console.log('boot: no "services started" stage line on the console');
  process.exitCode = 1;
} else {
  console.log(`boot: kernel start -> init ${t.init?.toFixed(2)} s -> all services started ${t.services.toFixed(2)} s (guest uptime)`);
}
if (t.shutdown !== undefined && t.down !== undefined) console.log(`shutdown (onshutdown containers included): ${(t.down - t.shutdown).toFixed(2)} s`);
const lease = /(\S+): leased (\S+) for \d+ seconds/.exec(text);
console.log(lease ? `network: ${lease[1]} leased ${lease[2]} (dhcpcd onboot)` : 'network: no dhcpcd lease on the console');
const mem = parseMemory(text);
if (mem) console.log(`memory in use after boot: ${mb(mem.usedKiB * 1024)} of ${mb(mem.totalKiB * 1024)} (MemTotal - MemAvailable)`);
else {
  console.log('memory: no "memory in use" line on the console');
  process.exitCode = 1;
}
