// The demo's report: image size (kernel and initrd; what each part of the image takes is
// `linuxkit inspect`'s table, which the demo prints after this), boot time (from the init's
// stage lines on the console), the address dhcpcd leased and the memory in use (the line
// examples/fragments/poweroff.yml prints). Usage: node scripts/demo-report.mjs PREFIX CONSOLE_LOG
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const { parseMemory, parseStages } = await import(join(dirname(fileURLToPath(import.meta.url)), '../dist/src/bench/index.js'));

const [prefix, consoleLog] = process.argv.slice(2);
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

const kernel = statSync(`${prefix}-kernel`).size;
const initrd = statSync(`${prefix}-initrd.img`).size;
console.log('== report');
console.log(`image: ${mb(kernel + initrd)} = kernel ${mb(kernel)} + initrd ${mb(initrd)} (compressed; each part: linuxkit inspect, below)`);

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
