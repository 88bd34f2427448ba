import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageRefProblem } from './image-ref.js';

const digest = 'sha256:' + '0123456789abcdef'.repeat(4);

describe('image references at load time (the grammar of src/oci/reference.ts)', () => {
  const valid = [
    'alpine',
    'alpine:3.20',
    'linuxkit/init:b5506cc74a6812dc40982cacfd2f4328f8a4b12a',
    'docker.io/library/alpine:latest',
    'localhost:5000/a/b:c',
    'localhost/a',
    'registry.example.com:443/org/img',
    '[::1]:5000/a:b',
    `a@${digest}`,
    `ghcr.io/o/i:t@${digest}`,
    'a__b/c-d.e:T_1.x',
    'My.Registry.io/lower/path',
  ];
  for (const ref of valid) it(`accepts ${ref}`, () => assert.equal(imageRefProblem(ref), undefined));

  const invalid: Array<[string, RegExp]> = [
    ['Alpine', /must be lowercase/],
    ['linuxkit/Init:1', /must be lowercase/],
    ['a:b:c', /invalid reference "a:b:c": invalid reference format/],
    ['foo bar', /invalid reference format/],
    ['http://x/y', /is a URL/],
    ['a/', /invalid reference/],
    ['-a', /invalid reference/],
    ['a@sha256:123', /invalid reference format/],
    ['', /empty/],
  ];
  for (const [ref, re] of invalid) it(`rejects ${JSON.stringify(ref)}`, () => assert.match(imageRefProblem(ref) ?? '', re));
});
