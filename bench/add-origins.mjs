#!/usr/bin/env node
// Rewrites a tar with LinuxKit's origin PAX records (LINUXKIT.source / LINUXKIT.location) on
// every entry, as the build writes them, by path: boot/ and lib/ → the kernel image, the
// service rootfs → the large image, the rest → the init image. Used by make-bench-tar.sh.
// usage: node bench/add-origins.mjs IN.tar OUT.tar   (run `npm run build` first)
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

const [input, output] = process.argv.slice(2);
const extract = tar.extract();
const pack = tar.pack();
const done = pipeline(pack, createWriteStream(output));
function origin(name) {
  const n = name.replace(/^\.\//, '');
  if (/^(boot|lib)(\/|$)/.test(n)) return ['docker.io/bench/kernel:1', 'kernel'];
  if (/^containers\//.test(n)) return ['docker.io/bench/large:1', 'services[0]'];
  return ['docker.io/bench/init:1', 'init[0]'];
}
const feeding = pipeline(createReadStream(input), extract);
for await (const entry of extract) {
  const [source, location] = origin(entry.header.name);
  const header = { ...entry.header, pax: { ...(entry.header.pax ?? {}), 'LINUXKIT.source': source, 'LINUXKIT.location': location } };
  await new Promise((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    pipeline(entry, sink).catch(reject);
  });
}
await feeding;
pack.finalize();
await done;
