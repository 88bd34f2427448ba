// The Go encoding/json emulation (src/spec/go-json.ts): rules of Go's encoder
// (encoding/json encode.go: appendString, omitempty's isEmptyValue, sorted map keys) and of
// json.Indent (empty [] and {} stay on one line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { marshalIndent, quote, compareBytewise, type GoType } from './go-json.js';

test('strings: quote, backslash and control characters', () => {
  const cases: Array<[string, string]> = [
    ['plain', '"plain"'],
    ['a"b', '"a\\"b"'],
    ['a\\b', '"a\\\\b"'],
    ['\n\r\t', '"\\n\\r\\t"'],
    // Go >= 1.22 (LinuxKit builds with 1.24) writes \b and \f by name
    ['\b\f', '"\\b\\f"'],
    ['\u0000\u0001\u001f', '"\\u0000\\u0001\\u001f"'],
    ['\u007f', '"\u007f"'],
  ];
  for (const [input, want] of cases) assert.equal(quote(input), want, JSON.stringify(input));
});

test('strings: HTML characters, U+2028/2029 escaped; other Unicode raw; lone surrogates replaced', () => {
  assert.equal(quote('<a>&'), '"\\u003ca\\u003e\\u0026"');
  assert.equal(quote('\u2028\u2029'), '"\\u2028\\u2029"');
  assert.equal(quote('é€😀'), '"é€😀"');
  assert.equal(quote('x\ud800y'), '"x\\ufffdy"');
  assert.equal(quote('\udc00'), '"\\ufffd"');
});

const T: GoType = {
  struct: [
    { name: 's', type: 'string', omitempty: true },
    { name: 'sAlways', type: 'string' },
    { name: 'b', type: 'bool', omitempty: true },
    { name: 'n', type: 'int', omitempty: true },
    { name: 'p', type: { ptr: 'int' }, omitempty: true },
    { name: 'list', type: { slice: 'string' }, omitempty: true },
    { name: 'listAlways', type: { slice: 'string' } },
    { name: 'm', type: { map: 'string' }, omitempty: true },
    { name: 'inner', type: { struct: [{ name: 'x', type: 'int', omitempty: true }] }, omitempty: true },
  ],
};

test('omitempty: zero values dropped, nil pointer dropped, pointer to zero kept, structs never dropped', () => {
  assert.equal(marshalIndent({}, T), '{\n    "sAlways": "",\n    "listAlways": null,\n    "inner": {}\n}');
  const full = marshalIndent({ s: 'x', b: true, n: 0, p: 0, list: [], listAlways: [], m: {} }, T);
  assert.equal(full, '{\n    "s": "x",\n    "sAlways": "",\n    "b": true,\n    "p": 0,\n    "listAlways": [],\n    "inner": {}\n}');
});

test('indentation: nested lists and objects, four spaces, no trailing newline', () => {
  const out = marshalIndent({ list: ['a', 'b'], inner: { x: 3 } }, T);
  assert.equal(
    out,
    '{\n    "sAlways": "",\n    "list": [\n        "a",\n        "b"\n    ],\n    "listAlways": null,\n    "inner": {\n        "x": 3\n    }\n}',
  );
});

test('maps: keys sorted bytewise (not numerically, not by UTF-16)', () => {
  const out = marshalIndent({ b: '1', a: '2', '10': '3', '9': '4', é: '5', '😀': '6', '\uffff': '7' }, { map: 'string' });
  const keys = [...out.matchAll(/^ {4}"(.*?)":/gm)].map((m) => m[1]);
  assert.deepEqual(keys, ['10', '9', 'a', 'b', 'é', '\uffff', '😀']);
  assert.ok(compareBytewise('\uffff', '😀') < 0); // UTF-16 order would say the opposite
});

test('integers: numbers and uint64 bigints exactly; non-integers refused', () => {
  assert.equal(marshalIndent(18446744073709551615n, 'int'), '18446744073709551615');
  assert.equal(marshalIndent(-800, 'int'), '-800');
  assert.equal(marshalIndent(-0, 'int'), '0');
  assert.throws(() => marshalIndent(1.5, 'int'), TypeError);
});

test('a field the Go type does not have is refused rather than dropped', () => {
  assert.throws(() => marshalIndent({ nope: 1 }, T), /unexpected field "nope"/);
});
