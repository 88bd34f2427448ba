// `linuxkit cache pull` and `cache push` through the CLI, against a real registry
// (Debian's docker-registry) with skopeo as the independent client on the other side.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { skopeo, startTestRegistry, writeTestLayout, type TestRegistry } from '../src/oci/registry/testing.js';
import { runCli } from './helpers.js';

describe('linuxkit cache pull / push', () => {
  let reg: TestRegistry;
  let cache: string;

  before(async () => {
    reg = await startTestRegistry();
    const src = await mkdtemp(join(tmpdir(), 'lkts-src-'));
    await writeTestLayout(src, 'v1', [
      { architecture: 'amd64', layers: [2000] },
      { architecture: 'arm64', layers: [3000] },
    ]);
    skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${reg.host}/test/multi:v1`]);
    cache = await mkdtemp(join(tmpdir(), 'lkts-cache-'));
  });
  after(async () => reg?.stop());

  it('pulls every platform into the cache and lists it', () => {
    const pull = runCli(['--cache', cache, 'cache', 'pull', `${reg.host}/test/multi:v1`]);
    assert.equal(pull.status, 0, pull.stderr);
    const ls = runCli(['--cache', cache, 'cache', 'ls']);
    assert.equal(ls.status, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(`^${reg.host}/test/multi:v1 +sha256:[0-9a-f]{64}$`, 'm'));
  });

  it('pushes a cached image under another name, readable by skopeo', () => {
    const push = runCli(['--cache', cache, 'cache', 'push', '--remote-name', `${reg.host}/copy/multi:v2`, `${reg.host}/test/multi:v1`]);
    assert.equal(push.status, 0, push.stderr);
    const raw = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/copy/multi:v2`])) as {
      manifests: Array<{ platform?: { architecture: string } }>;
    };
    assert.deepEqual(raw.manifests.map((m) => m.platform?.architecture).sort(), ['amd64', 'arm64']);
  });

  it('names the registry when it cannot be reached', () => {
    const r = runCli(['--cache', cache, 'cache', 'pull', '127.0.0.1:1/none/x:1']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot reach registry 127\.0\.0\.1:1/);
  });
});
