// Authentication: challenge parsing, Docker config credentials (auths, credsStore, credHelpers
// through a real helper program), and a real registry with htpasswd (bcrypt) basic auth.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChallenge, tokenURL } from './auth.js';
import { dockerCredentials } from './credentials.js';
import { startTestRegistry, skopeo, skopeoAsync, writeTestLayout, type TestRegistry } from './testing.js';
import { pullImage } from '../pull.js';
import { pushImage } from '../push.js';
import { LayoutStore } from '../cache/index.js';
import { UserError } from '../../util/index.js';

const USER = 'lk';
const PASS = 'sécret:with:colons';
let reg: TestRegistry;
let work: string;

before(async () => {
  reg = await startTestRegistry({ auth: { username: USER, password: PASS } });
  work = mkdtempSync(join(tmpdir(), 'lkts-auth-'));
  const layout = join(work, 'img');
  await writeTestLayout(layout, 'v1', [{ architecture: 'amd64', layers: [2_000] }]);
  skopeo(['copy', '--dest-tls-verify=false', `--dest-creds=${USER}:${PASS}`, `oci:${layout}:v1`, `docker://${reg.host}/private/img:v1`]);
});

after(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A DOCKER_CONFIG dir holding `config`. */
function dockerConfig(config: object): string {
  const dir = mkdtempSync(join(work, 'docker-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

/** A docker-credential-NAME program that knows one server; returns a PATH to use. */
function credentialHelper(name: string, server: string, user: string, secret: string): string {
  const bin = join(work, `bin-${name}`);
  mkdirSync(bin, { recursive: true });
  const script = `#!/bin/sh
[ "$1" = get ] || exit 1
read -r url
if [ "$url" = "${server}" ]; then
  printf '{"ServerURL":"%s","Username":"${user}","Secret":"${secret}"}' "$url"
else
  echo "credentials not found in native keychain"; exit 1
fi
`;
  writeFileSync(join(bin, `docker-credential-${name}`), script);
  chmodSync(join(bin, `docker-credential-${name}`), 0o755);
  return `${bin}:${process.env.PATH}`;
}

test('WWW-Authenticate challenges', () => {
  const ch = parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"');
  assert.deepEqual(ch, {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
  });
  assert.equal(
    tokenURL(ch!, ['repository:a/b:pull', 'repository:c:pull']).href,
    'https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Aa%2Fb%3Apull&scope=repository%3Ac%3Apull',
  );
  assert.deepEqual(parseChallenge('Basic realm="x y"'), { scheme: 'basic', params: { realm: 'x y' } });
  assert.deepEqual(parseChallenge('basic realm=plain, charset="UTF-8"'), { scheme: 'basic', params: { realm: 'plain', charset: 'UTF-8' } });
  assert.equal(parseChallenge('Negotiate abc'), undefined);
  assert.equal(parseChallenge(undefined), undefined);
});

test('credentials from auths, by host or URL key; Docker Hub under its historical key', async () => {
  const auth = Buffer.from(`${USER}:${PASS}`).toString('base64');
  const dir = dockerConfig({
    auths: {
      'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') },
      'https://registry.example.com/v2/': { auth },
      'localhost:5000': { auth },
    },
  });
  const env = { DOCKER_CONFIG: dir };
  assert.deepEqual(await dockerCredentials('docker.io', env), { username: 'hub', password: 'pw' });
  assert.deepEqual(await dockerCredentials('registry.example.com', env), { username: USER, password: PASS });
  assert.deepEqual(await dockerCredentials('localhost:5000', env), { username: USER, password: PASS });
  assert.equal(await dockerCredentials('localhost:5001', env), undefined);
  assert.equal(await dockerCredentials('x', { DOCKER_CONFIG: join(work, 'none') }), undefined);
});

test('credentials from credHelpers and credsStore via docker-credential-NAME', async () => {
  const PATH = credentialHelper('lktest', 'ghcr.io', 'helper-user', 'helper-secret');
  const dir = dockerConfig({ credHelpers: { 'ghcr.io': 'lktest' }, credsStore: 'lktest', auths: { 'quay.io': {} } });
  const env = { DOCKER_CONFIG: dir, PATH };
  assert.deepEqual(await dockerCredentials('ghcr.io', env), { username: 'helper-user', password: 'helper-secret' });
  // credsStore is asked too; "credentials not found" means none.
  assert.equal(await dockerCredentials('quay.io', env), undefined);
  const missing = dockerConfig({ credsStore: 'does-not-exist' });
  await assert.rejects(dockerCredentials('quay.io', { DOCKER_CONFIG: missing, PATH }), /docker-credential-does-not-exist .*not installed/);
});

test('basic auth registry: no credentials → 401 naming the image; with credentials → pull and push', async () => {
  const store = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
  const ref = `${reg.host}/private/img:v1`;
  const none = { DOCKER_CONFIG: join(work, 'no-config') };
  await assert.rejects(pullImage(ref, store, { registry: { env: none } }), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, new RegExp(`${ref}.*${reg.host} requires authentication.*UNAUTHORIZED`));
    return true;
  });

  const wrong = { DOCKER_CONFIG: dockerConfig({ auths: { [reg.host]: { auth: Buffer.from(`${USER}:nope`).toString('base64') } } }) };
  await assert.rejects(pullImage(ref, store, { registry: { env: wrong } }), /requires authentication/);

  const good = { DOCKER_CONFIG: dockerConfig({ auths: { [reg.host]: { auth: Buffer.from(`${USER}:${PASS}`).toString('base64') } } }) };
  const r = await pullImage(ref, store, { arch: 'amd64', registry: { env: good } });
  assert.equal(r.cached, false);
  const pushed = await pushImage(ref, store, `${reg.host}/private/copy:v1`, { registry: { env: good } });
  assert.equal(pushed.blobs.mounted, 2);
  skopeo(['inspect', '--tls-verify=false', `--creds=${USER}:${PASS}`, `docker://${reg.host}/private/copy:v1`]);

  // Through a credential helper too.
  const PATH = credentialHelper('lkreg', reg.host, USER, PASS);
  const helper = { DOCKER_CONFIG: dockerConfig({ credHelpers: { [reg.host]: 'lkreg' } }), PATH };
  const store2 = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
  assert.equal((await pullImage(ref, store2, { arch: 'amd64', registry: { env: helper } })).cached, false);
});

test("bearer tokens (Docker Hub's flow): anonymous, with the scopes each call needs", async () => {
  const treg = await startTestRegistry({ token: true });
  try {
    const layout = join(work, 'tok');
    await writeTestLayout(layout, 'v1', [{ architecture: 'amd64', layers: [1_000] }]);
    await skopeoAsync(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${treg.host}/tok/img:v1`]);
    treg.tokenRequests!.length = 0;
    const store = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
    const env = { DOCKER_CONFIG: join(work, 'no-config') };
    const r = await pullImage(`${treg.host}/tok/img:v1`, store, { arch: 'amd64', registry: { env } });
    assert.equal(r.cached, false);
    assert.deepEqual(treg.tokenRequests, ['anonymous repository:tok/img:pull'], 'one token, reused for every call');
    treg.tokenRequests!.length = 0;
    const p = await pushImage(r.ref, store, `${treg.host}/tok/copy:v1`, { registry: { env } });
    assert.equal(p.blobs.mounted, 2);
    assert.ok(treg.tokenRequests!.includes('anonymous repository:tok/copy:pull,push repository:tok/img:pull'), treg.tokenRequests!.join('\n'));
  } finally {
    await treg.stop();
  }
});

test('bearer tokens for a user: the token service gets the Docker config credentials', async () => {
  const treg = await startTestRegistry({ token: true, auth: { username: USER, password: PASS } });
  try {
    const layout = join(work, 'tok2');
    await writeTestLayout(layout, 'v1', [{ architecture: 'amd64', layers: [1_000] }]);
    await skopeoAsync(['copy', '--dest-tls-verify=false', `--dest-creds=${USER}:${PASS}`, `oci:${layout}:v1`, `docker://${treg.host}/tok/img:v1`]);
    const store = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
    await assert.rejects(
      pullImage(`${treg.host}/tok/img:v1`, store, { registry: { env: { DOCKER_CONFIG: join(work, 'no-config') } } }),
      new RegExp(`token service of ${treg.host.replace(/\./g, '\\.')} .*rejected the credentials \\(no credentials found in Docker config\\)`),
    );
    const env = { DOCKER_CONFIG: dockerConfig({ auths: { [treg.host]: { auth: Buffer.from(`${USER}:${PASS}`).toString('base64') } } }) };
    const r = await pullImage(`${treg.host}/tok/img:v1`, store, { arch: 'amd64', registry: { env } });
    assert.equal(r.cached, false);
    assert.ok(treg.tokenRequests!.includes(`${USER} repository:tok/img:pull`));
  } finally {
    await treg.stop();
  }
});
