// `linuxkit build --dry-run` end to end, and the published JSON schema used as an editor would
// (yaml-language-server: parse the YAML, validate with a draft-07 validator).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { configToYaml, loadConfigs } from '../src/config/index.js';
import { showTagResolver } from '../src/pkg/resolver.js';
import { ROOT, runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lkts-cli-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('build --dry-run', () => {
  it('prints the merge of several files, in order', () => {
    const a = file(
      'a.yml',
      'kernel:\n  image: linuxkit/kernel:6.12.59\n  cmdline: console=ttyS0\ninit:\n  - linuxkit/init:1\nservices:\n  - name: getty\n    image: linuxkit/getty:1\n',
    );
    const b = file(
      'b.yml',
      'kernel:\n  cmdline: console=tty0\ninit:\n  - linuxkit/runc:2\nservices:\n  - name: sshd\n    image: linuxkit/sshd:3\n    binds: [/root/.ssh:/root/.ssh]\n',
    );
    const r = runCli(['build', '--dry-run', a, b]);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.equal(
      r.stdout,
      `kernel:
    image: linuxkit/kernel:6.12.59
    cmdline: console=tty0
init:
    - linuxkit/init:1
    - linuxkit/runc:2
onboot: []
onshutdown: []
services:
    - name: getty
      image: linuxkit/getty:1
    - name: sshd
      image: linuxkit/sshd:3
      binds:
        - /root/.ssh:/root/.ssh
files: []
volumes: []

`,
    );
  });

  it('reads "-" from stdin', () => {
    const r = runCli(['build', '--dry-run', '-'], { input: 'init: [linuxkit/init:1]\n' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^init:\n {4}- linuxkit\/init:1$/m);
  });

  it('reports every error of an invalid file as file:line:col, exits 1 and prints nothing', () => {
    const bad = file(
      'bad.yml',
      'onboot:\n  - name: a\n    image: a:1\n    capabilitiez: [CAP_CHOWN]\nservices:\n  - name: b\n    image: b:1\n    capabilities: [CAP_BOGUS]\n',
    );
    const r = runCli(['build', '--dry-run', bad]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`${bad}:4:5: onboot\\[0\\]: unknown field "capabilitiez" \\(did you mean "capabilities"\\?\\)`));
    // An unknown capability is caught at load time (LinuxKit's --dry-run lets it pass).
    const r2 = runCli(['build', '--dry-run', file('bad2.yml', 'services:\n  - name: b\n    image: b:1\n    capabilities: [CAP_BOGUS]\n')]);
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /bad2\.yml:4:20: services\[0\]\.capabilities\[0\]: unknown capability "CAP_BOGUS"/);
  });

  it('names a missing file', () => {
    const r = runCli(['build', '--dry-run', join(dir, 'nope.yml')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot open config file .*nope\.yml: ENOENT/);
  });
});

describe('dry-run output against yaml.v3', () => {
  it("matches, byte for byte, what Go yaml.v3 prints for LinuxKit's structs (fixture made with yaml.v3)", async () => {
    const fixture = join(ROOT, 'test', 'fixtures', 'config');
    const c = await loadConfigs([join(fixture, 'rich.yml')]);
    // LinuxKit prints with Println: the document and an empty line, as build.ts does.
    assert.equal(configToYaml(c) + '\n', readFileSync(join(fixture, 'rich.dry-run.txt'), 'utf8'));
  });
});

describe('loading from an http(s) URL', () => {
  it('fetches the file and names the URL in errors', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/ok.yml') res.end('init: [linuxkit/init:1]\n');
      else if (req.url === '/bad.yml') res.end('init: [7]\n');
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const c = await loadConfigs([`${base}/ok.yml`]);
      assert.deepEqual(c.init, ['linuxkit/init:1']);
      await assert.rejects(loadConfigs([`${base}/bad.yml`]), (e: Error) => e.message === `${base}/bad.yml:1:8: init[0]: expected a string, got 7`);
      await assert.rejects(loadConfigs([`${base}/missing.yml`]), /HTTP 404/);
    } finally {
      server.close();
    }
  });
});

describe('schema/linuxkit.schema.json, as an editor uses it', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'linuxkit.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);

  it('accepts every example of the repository', async () => {
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(examples.length > 0);
    for (const ex of examples) {
      const path = join(ROOT, 'examples', ex);
      const doc = parse(readFileSync(path, 'utf8')) as unknown;
      assert.ok(validate(doc), `${ex}: ${JSON.stringify(validate.errors)}`);
      // and the loader agrees (with @pkg: templates resolved as `linuxkit build` does), and its
      // dry-run output is itself valid
      const c = await loadConfigs([path], { resolvePackage: showTagResolver });
      assert.ok(validate(parse(configToYaml(c))), `${ex} dry-run: ${JSON.stringify(validate.errors)}`);
    }
  });

  it('rejects what LinuxKit rejects (unknown fields, wrong types, missing name/image)', () => {
    assert.equal(validate({ unknownField: 'abc' }), false);
    assert.equal(validate({ services: [{ name: 'a' }] }), false);
    assert.equal(validate({ onboot: [{ name: 'a', image: 'b', capabilities: 'CAP_CHOWN' }] }), false);
    assert.equal(validate({ volumes: [{ name: 'v', format: 'tar' }] }), false);
    assert.equal(validate({ trust: { org: ['linuxkit'] } }), true);
  });

  it('describes every field, for editor hovers', () => {
    const defs = (schema as { definitions: Record<string, { properties?: Record<string, { description?: string; $ref?: string }> }> }).definitions;
    for (const name of ['kernel', 'file', 'volume', 'image', 'runtime', 'interface']) {
      for (const [field, s] of Object.entries(defs[name]!.properties!)) {
        const ok =
          s.description !== undefined ||
          (s.$ref !== undefined &&
            [
              '#/definitions/imageRef',
              '#/definitions/id',
              '#/definitions/resources',
              '#/definitions/runtime',
              '#/definitions/namespaces',
              '#/definitions/kernel',
            ].includes(s.$ref));
        assert.ok(ok, `${name}.${field} has no description`);
      }
    }
  });
});
