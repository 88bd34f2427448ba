// No package carries files its service never needs: every pkg/*/build.yml with a `debian:`
// block (found here, so packages added later are covered too) is built into one fresh cache
// (the .deb files from the shared download cache), and its layers' tar listings must hold no
// documentation, manual or info pages, translations, C headers, static libraries or libtool
// archives. A package made here without any `remove:` shows that the build drops them itself
// (src/pkg/lean.ts), and that `copy:` can still put such a file in on purpose.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync, createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { LayoutStore } from '../src/oci/cache/index.js';
import { buildPackage } from '../src/pkg/build.js';
import { canonicalRef, loadPackage } from '../src/pkg/package.js';
import { readTar } from '../src/tar/index.js';
import { tempDir } from './fixtures/boot.js';
import { DEB_CACHE } from './fixtures/debian.js';
import { ROOT } from './helpers.js';
import { buildProjectPackages } from './fixtures/packages.js';

/** What a layer must not hold, and why it is named so. */
const UNNEEDED: Array<[RegExp, string]> = [
  [/^usr\/share\/doc\//, 'documentation'],
  [/^usr\/share\/man\//, 'manual pages'],
  [/^usr\/share\/info\//, 'info pages'],
  [/^usr\/share\/locale\//, 'translations'],
  [/^usr\/include\//, 'C headers'],
  [/\.a$/, 'a static library'],
  [/\.la$/, 'a libtool archive'],
];

const tmp = tempDir('pkg-lean');
const cache = join(tmp, 'cache');

/** The packages of pkg/ built from Debian packages. */
function debianPackages(): string[] {
  return readdirSync(join(ROOT, 'pkg'))
    .filter((n) => existsSync(join(ROOT, 'pkg', n, 'build.yml')))
    .filter((n) => loadPackage(join(ROOT, 'pkg', n)).yml.debian !== undefined)
    .sort();
}

/** Every path in every layer of a cached image (all platforms). */
async function layerPaths(ref: string): Promise<string[]> {
  const blob = (d: string): string => join(cache, 'blobs', 'sha256', d.replace(/^sha256:/, ''));
  const json = (
    d: string,
  ): { manifests?: Array<{ digest: string; annotations?: Record<string, string>; platform?: { architecture: string } }>; layers?: Array<{ digest: string }> } =>
    JSON.parse(readFileSync(blob(d), 'utf8'));
  const index = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
  const root = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === ref);
  assert.ok(root, `${ref} is not in the cache`);
  const paths: string[] = [];
  for (const m of json(root.digest).manifests ?? []) {
    if (m.platform?.architecture === 'unknown') continue; // the SBOM attestation
    for (const l of json(m.digest).layers ?? []) {
      for await (const e of readTar(createReadStream(blob(l.digest)).pipe(createGunzip()))) paths.push(e.path);
    }
  }
  return paths;
}

function offenders(paths: string[]): string[] {
  return paths.flatMap((p) => UNNEEDED.filter(([re]) => re.test(p)).map(([, what]) => `${p} (${what})`));
}

describe("the packages' layers carry no documentation, translations, headers or static libraries", { timeout: 1_800_000 }, () => {
  const store = LayoutStore.open(cache);
  const names = debianPackages();
  const refs = new Map<string, string>();

  before(async () => {
    for (const [name, r] of (await buildProjectPackages(cache, names)).refs) refs.set(name, r);
  });

  it('finds the daemonless packages of pkg/ by their debian: block', () => {
    for (const n of ['busybox', 'crun', 'format', 'swap', 'dm-crypt']) assert.ok(names.includes(n), `${n} among ${names.join(' ')}`);
    assert.ok(!names.includes('kernel'), 'pkg/kernel is built from source, with no debian: block');
  });

  it('no layer holds such a file', async (t) => {
    const found: string[] = [];
    for (const name of names) {
      const paths = await layerPaths(refs.get(name)!);
      t.diagnostic(`${name}: ${paths.length} entries`);
      found.push(...offenders(paths).map((o) => `pkg/${name}: ${o}`));
    }
    assert.deepEqual(found, []);
  });

  it('a package without a remove: list is lean too (the build drops them), and copy: can add one back', async () => {
    // busybox-static ships a copyright file and examples in usr/share/doc, a manual page, and a lintian override.
    const dir = join(tmp, 'plain-busybox');
    mkdirSync(join(dir, 'doc'), { recursive: true });
    writeFileSync(join(dir, 'doc', 'README'), 'kept on purpose\n');
    writeFileSync(
      join(dir, 'build.yml'),
      'image: plain-busybox\narches: [amd64]\ndebian:\n  packages: [busybox-static]\ncopy:\n  - {src: doc/README, dst: /usr/share/doc/README}\n',
    );
    const pkg = loadPackage(dir);
    await buildPackage(pkg, await store, { debCache: DEB_CACHE, platforms: 'linux/amd64' });
    const paths = await layerPaths(canonicalRef(pkg));
    assert.ok(paths.includes('bin/busybox'), 'the Debian package is there');
    assert.ok(paths.includes('usr/share/initramfs-tools/hooks/zz-busybox'), 'what is not on the list stays');
    assert.deepEqual(offenders(paths), ['usr/share/doc/README (documentation)']);
    assert.ok(!paths.some((p) => p.startsWith('usr/share/lintian')), "Debian's lintian overrides are dropped");
  });
});
