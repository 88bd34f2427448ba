// `linuxkit build` resolves "@pkg:DIR" templates to the package's full reference, as LinuxKit's
// createPackageResolver: the same tag `pkg show-tag --canonical DIR` prints, DIR relative to the
// YAML file; a directory that is no package is an error at the template's position.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'build-templates-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('linuxkit build: @pkg: templates', () => {
  mkdirSync(join(tmp, 'pkg', 'tool'), { recursive: true });
  writeFileSync(join(tmp, 'pkg', 'tool', 'build.yml'), 'image: tool\norg: example\ndebian:\n  packages: [busybox-static]\n');
  mkdirSync(join(tmp, 'conf'));
  const env = { LINUXKIT_PKG_ORG: '' };

  it('replaces a template with the tag show-tag prints (relative to the YAML file)', () => {
    const yml = join(tmp, 'conf', 'a.yml');
    writeFileSync(yml, 'kernel:\n  image: linuxkit/kernel:6.6\ninit:\n  - "@pkg:../pkg/tool"\nonboot:\n  - name: t\n    image: "@pkg:../pkg/tool"\n');
    const tag = runCli(['pkg', 'show-tag', '--canonical', join(tmp, 'pkg', 'tool')], { env });
    assert.equal(tag.status, 0, tag.stderr);
    const ref = tag.stdout.trim();
    assert.match(ref, /^docker\.io\/example\/tool:[0-9a-f]{40}$/);
    const r = runCli(['build', '--dry-run', yml], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(`    - ${ref}\n`), r.stdout);
    assert.ok(r.stdout.includes(`      image: ${ref}\n`), r.stdout);
  });

  it('reports a directory that is no package at the template, before building anything', () => {
    const yml = join(tmp, 'conf', 'b.yml');
    writeFileSync(yml, 'kernel:\n  image: linuxkit/kernel:6.6\ninit:\n  - "@pkg:../pkg/missing"\n');
    const r = runCli(['--cache', join(tmp, 'cache'), 'build', '--dir', join(tmp, 'out'), yml], { env });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /b\.yml:4:\d+: .*cannot resolve "@pkg:\.\.\/pkg\/missing": .*is not a package/);
  });
});
