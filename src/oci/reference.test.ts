import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  familiarString,
  normalizeReference,
  parseNormalizedNamed,
  parseReference,
  parseReferenceStrict,
  repositoryName,
  withDigest,
  withTag,
} from './reference.js';
import { UserError } from '../util/index.js';

const D = 'sha256:' + 'a'.repeat(64);

// input → fully qualified form (normalizeReference), matching `docker pull`'s reading.
const normalised: Array<[string, string]> = [
  ['nginx', 'docker.io/library/nginx:latest'],
  ['nginx:1.25', 'docker.io/library/nginx:1.25'],
  ['library/nginx', 'docker.io/library/nginx:latest'],
  ['docker.io/nginx', 'docker.io/library/nginx:latest'],
  ['index.docker.io/nginx', 'docker.io/library/nginx:latest'],
  ['index.docker.io/linuxkit/init:v1', 'docker.io/linuxkit/init:v1'],
  ['linuxkit/init:abc', 'docker.io/linuxkit/init:abc'],
  ['linuxkit/init', 'docker.io/linuxkit/init:latest'],
  ['a/b/c', 'docker.io/a/b/c:latest'],
  ['localhost/x', 'localhost/x:latest'],
  ['localhost:5000/x', 'localhost:5000/x:latest'],
  ['localhost:5000/x:t', 'localhost:5000/x:t'],
  ['127.0.0.1:5000/a/b:t', '127.0.0.1:5000/a/b:t'],
  ['[::1]:5000/x', '[::1]:5000/x:latest'],
  ['quay.io/coreos/etcd', 'quay.io/coreos/etcd:latest'],
  ['ghcr.io/o/r:v1.2.3-rc_1', 'ghcr.io/o/r:v1.2.3-rc_1'],
  ['Registry.Example.com/x', 'Registry.Example.com/x:latest'],
  // Uppercase in the first component makes it a domain (distribution ≥ 2.8).
  ['Foo/bar', 'Foo/bar:latest'],
  ['foo:5000/bar', 'foo:5000/bar:latest'],
  ['a.b/c', 'a.b/c:latest'],
  ['my-registry/x', 'docker.io/my-registry/x:latest'],
  ['a__b/c-d--e.f_g', 'docker.io/a__b/c-d--e.f_g:latest'],
  [`nginx@${D}`, `docker.io/library/nginx@${D}`],
  [`nginx:1.25@${D}`, `docker.io/library/nginx:1.25@${D}`],
  [`localhost:5000/x@${D}`, `localhost:5000/x@${D}`],
  [`linuxkit/init:abc@${D}`, `docker.io/linuxkit/init:abc@${D}`],
];

for (const [input, want] of normalised) {
  test(`normalise ${input}`, () => {
    assert.equal(normalizeReference(input), want);
  });
}

const invalid: Array<[string, RegExp]> = [
  ['', /invalid reference format/],
  ['NGINX', /must be lowercase/],
  ['linuxkit/Init', /must be lowercase/],
  ['localhost:5000/Foo', /must be lowercase/],
  ['docker.io/Library/nginx', /must be lowercase/],
  ['a'.repeat(64).replace(/a/g, 'f'), /64-byte hexadecimal/],
  ['nginx:', /invalid reference format/],
  ['nginx:-tag', /invalid reference format/],
  ['nginx:' + 't'.repeat(129), /invalid reference format/],
  ['-nginx', /invalid reference format/],
  ['nginx-', /invalid reference format/],
  ['a//b', /invalid reference format/],
  ['a/', /invalid reference format/],
  ['nginx@sha256:abc', /invalid reference format/],
  [`nginx@sha256:${'a'.repeat(63)}`, /digest length/],
  [`nginx@sha256:${'A'.repeat(64)}`, /digest format/],
  [`nginx@md5:${'a'.repeat(32)}`, /unsupported digest algorithm/],
  ['localhost:port/x', /invalid reference format/],
  ['x'.repeat(250) + '/' + 'y'.repeat(10), /more than 255 characters/],
  ['a b', /invalid reference format/],
  ['nginx:tag:tag', /invalid reference format/],
];

for (const [input, want] of invalid) {
  test(`reject ${JSON.stringify(input.length > 40 ? input.slice(0, 40) + '…' : input)}`, () => {
    assert.throws(
      () => normalizeReference(input),
      (e: unknown) => e instanceof UserError && want.test(e.message),
    );
  });
}

test('parts of a normalised reference', () => {
  assert.deepEqual(parseReference('linuxkit/init:abc'), { domain: 'docker.io', path: 'linuxkit/init', tag: 'abc' });
  assert.deepEqual(parseReference(`localhost:5000/a/b@${D}`), { domain: 'localhost:5000', path: 'a/b', digest: D });
  assert.deepEqual(parseNormalizedNamed('nginx'), { domain: 'docker.io', path: 'library/nginx' });
  assert.equal(repositoryName(parseReference('nginx:1')), 'docker.io/library/nginx');
});

test('errors name the reference as given', () => {
  assert.throws(() => normalizeReference('a//b'), { message: 'invalid reference "a//b": invalid reference format' });
  assert.throws(() => parseReferenceStrict(''), /at least one component/);
});

test('strict parsing adds no domain', () => {
  assert.deepEqual(parseReferenceStrict('nginx:1'), { domain: '', path: 'nginx', tag: '1' });
  assert.deepEqual(parseReferenceStrict('localhost:5000/x'), { domain: 'localhost:5000', path: 'x' });
  // Without a domain, "foo:5000/bar" is not a name:tag (a tag cannot contain '/').
  assert.deepEqual(parseReferenceStrict('foo:5000/bar'), { domain: 'foo:5000', path: 'bar' });
});

test('familiar (short) form', () => {
  assert.equal(familiarString(parseReference('docker.io/library/nginx')), 'nginx:latest');
  assert.equal(familiarString(parseReference('linuxkit/init:abc')), 'linuxkit/init:abc');
  assert.equal(familiarString(parseReference('docker.io/library/a/b')), 'library/a/b:latest');
  assert.equal(familiarString(parseReference('localhost:5000/x:t')), 'localhost:5000/x:t');
});

test('withTag and withDigest', () => {
  const r = parseReference('nginx:1');
  assert.equal(normalizeReference('nginx:2'), `${repositoryName(withTag(r, '2'))}:2`);
  assert.deepEqual(withDigest(r, D), { domain: 'docker.io', path: 'library/nginx', tag: '1', digest: D });
  assert.throws(() => withTag(r, 'bad tag'), UserError);
  assert.throws(() => withDigest(r, 'sha256:xyz'), UserError);
});
