#!/usr/bin/env node
// Rewrites a tar with LinuxKit's origin PAX records (LINUXKIT.source / LINUXKIT.location) on
// every entry, as the build writes them, by path: boot/ and lib/ → the kernel image, the
// service rootfs → the large image, the rest → the init image. Used by make-bench-tar.sh.
// usage: node bench/add-origins.mjs IN.tar OUT.tar   (run `npm run build` first)
import { createReadStream, createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const { readRawTar, tarStream } = await import(join(dirname(fileURLToPath(import.meta.url)), '../dist/src/tar/index.js'));
const [input, output] = process.argv.slice(2);
function origin(name) {
  const n = name.replace(/^\.\//, '');
  if (/^(boot|lib)(\/|$)/.test(n)) return ['docker.io/bench/kernel:1', 'kernel'];
  if (/^containers\//.test(n)) return ['docker.io/bench/large:1', 'services[0]'];
  return ['docker.io/bench/init:1', 'init[0]'];
}
const entries = (async function* () {
  for await (const { header, body } of readRawTar(createReadStream(input))) {
    const [source, location] = origin(header.name);
    yield { header: { ...header, pax: { ...(header.pax ?? {}), 'LINUXKIT.source': source, 'LINUXKIT.location': location } }, data: body };
  }
})();
await pipeline(tarStream(entries), createWriteStream(output));
