// config.json and runtime.json bytes against LinuxKit's own output.
//
// test/fixtures/spec/linuxkit-golden.json holds inputs (YAML entry, image config, allocated ids,
// bundle path) and the bytes LinuxKit HEAD (3bf33c3a) wrote for them: they were produced by
// running LinuxKit's ConfigToOCI (lk:src/cmd/linuxkit/moby/config.go:817) and the rootfs-mount
// part of ImageBundle (lk:src/cmd/linuxkit/moby/build/image.go:474-543), then
// json.MarshalIndent(v, "", "    ") as build.go:117 and image.go:543 do, on each case (see
// test/fixtures/spec/README.md). Cases where this project deliberately differs from LinuxKit are
// not here; they are in spec.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';
import { UserError } from '../util/index.js';
import type { ImageEntry } from '../config/index.js';
import type { ImageRuntimeConfig } from '../oci/index.js';
import { bundleLayout, runtimeToJson, specToJson, toOCISpec, withRootfsMounts } from './index.js';

interface GoldenCase {
  name: string;
  entry: ImageEntry;
  image: ImageRuntimeConfig;
  ids: Record<string, number>;
  path: string;
  sharedRoot?: string;
  config?: string;
  runtime?: string;
  linuxkitError?: string;
}

const cases: GoldenCase[] = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'test/fixtures/spec/linuxkit-golden.json'), 'utf8'));

/** Our message where LinuxKit's is worded after Go internals or is wrong (empty limit name). */
const OWN_MESSAGES: Record<string, RegExp> = {
  'error: rlimit with two fields': /cannot parse rlimit: nofile,100$/,
  'error: rlimit not a number': /cannot parse lots as uint64$/,
  'error: unknown rlimit': /unknown limit: files$/,
  'error: device without mode': /cannot parse device mode as octal value: ""$/,
  'error: device mode not octal': /cannot parse device mode as octal value: "0999"$/,
  // Label errors come from config's parseImageLabel (src/config/label.ts).
  'error: unknown capability in label': /y: invalid org.mobyproject.config label: capabilities\[0\]: unknown capability "NOT_A_CAP"/,
  'error: label is a list': /y: invalid org.mobyproject.config label: expected a mapping/,
  'error: label sets name': /y: invalid org.mobyproject.config label: name cannot be set in a label$/,
  'error: label sets image': /y: invalid org.mobyproject.config label: image cannot be set in a label$/,
};

test('the golden file has cases', () => {
  assert.ok(cases.length >= 40);
});

for (const c of cases) {
  test(`golden: ${c.name}`, () => {
    const ids = new Map(Object.entries(c.ids));
    if (c.linuxkitError !== undefined) {
      assert.throws(
        () => toOCISpec(c.entry, c.image, ids),
        (e: unknown) => {
          assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
          const own = OWN_MESSAGES[c.name];
          if (own) assert.match(e.message, own);
          else assert.ok(e.message.endsWith(`: ${c.linuxkitError}`), `${e.message} should end with ${c.linuxkitError}`);
          return true;
        },
      );
      return;
    }
    const { spec, runtime } = toOCISpec(c.entry, c.image, ids);
    assert.equal(specToJson(spec), c.config);
    const layout = bundleLayout(c.path, spec.root?.readonly ?? false, c.sharedRoot);
    assert.equal(runtimeToJson(withRootfsMounts(runtime, layout.rootfsMounts)), c.runtime);
  });
}

// The same bytes as plain files, for three representative bundles (readable on their own):
// test/fixtures/spec/<dir>/{config.json,runtime.json}, case.txt naming the golden case.
for (const dir of ['getty-service', 'onboot-binds-capabilities-all', 'readonly-devices-rlimits']) {
  test(`golden files: ${dir}`, () => {
    const base = join(PACKAGE_ROOT, 'test/fixtures/spec', dir);
    const name = readFileSync(join(base, 'case.txt'), 'utf8').trim();
    const c = cases.find((x) => x.name === name);
    assert.ok(c, name);
    const { spec, runtime } = toOCISpec(c.entry, c.image, new Map(Object.entries(c.ids)));
    assert.equal(specToJson(spec), readFileSync(join(base, 'config.json'), 'utf8'));
    const layout = bundleLayout(c.path, spec.root?.readonly ?? false, c.sharedRoot);
    assert.equal(runtimeToJson(withRootfsMounts(runtime, layout.rootfsMounts)), readFileSync(join(base, 'runtime.json'), 'utf8'));
  });
}
