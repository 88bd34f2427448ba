// A registry over HTTPS with a self-signed certificate: refused until --cert-file trusts it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestRegistry, skopeo, writeTestLayout, type TestRegistry } from './testing.js';
import { pullImage } from '../pull.js';
import { pushImage } from '../push.js';
import { LayoutStore } from '../cache/index.js';
import { UserError } from '../../util/index.js';

let reg: TestRegistry;
let work: string;

before(async () => {
  reg = await startTestRegistry({ tls: true });
  work = mkdtempSync(join(tmpdir(), 'lkts-tls-'));
  const layout = join(work, 'img');
  await writeTestLayout(layout, 'v1', [{ architecture: 'amd64', layers: [3_000] }]);
  skopeo(['copy', `--dest-cert-dir=${reg.dir}`, '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/tls/img:v1`]);
});

after(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('an untrusted certificate is refused with the TLS reason', async () => {
  const store = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
  await assert.rejects(pullImage(`${reg.host}/tls/img:v1`, store), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, new RegExp(`cannot reach registry ${reg.host.replace(/\./g, '\\.')}: https: .*self[- ]signed certificate`));
    return true;
  });
});

test('--cert-file (certFiles) makes it trusted, for pull and push', async () => {
  const store = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
  const registry = { certFiles: [reg.certFile!] };
  const r = await pullImage(`${reg.host}/tls/img:v1`, store, { arch: 'amd64', registry });
  assert.equal(r.cached, false);
  const p = await pushImage(r.ref, store, `${reg.host}/tls/copy:v1`, { registry });
  assert.equal(p.pushed, true);
  await assert.rejects(pullImage('x', store, { registry: { certFiles: [join(work, 'missing.pem')] } }), /failed to read certificate file/);
});
