// The `runtime.restart` extension end to end through config and spec: YAML (or a label) →
// validated → printed by --dry-run → runtime.json in the form the init reads (docs/init.md).
// Configs without it must keep producing LinuxKit's bytes (src/spec/golden.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configToYaml, loadConfigText } from '../src/config/index.js';
import { UserError, UserErrors } from '../src/util/errors.js';
import { runtimeToJson, toOCISpec } from '../src/spec/index.js';

const yml = (restart: string) => `services:\n  - name: web\n    image: linuxkit/web:1\n    runtime:\n      restart: ${restart}\n`;

test('restart: a policy or {policy, maxRetries} reaches runtime.json as an object', async () => {
  for (const [text, want] of [
    ['always', { policy: 'always' }],
    ['on-failure', { policy: 'on-failure' }],
    ['{policy: on-failure, maxRetries: 5}', { policy: 'on-failure', maxRetries: 5 }],
  ] as const) {
    const config = await loadConfigText(yml(text), 'a.yml');
    const { runtime } = toOCISpec(config.services![0]!, {}, new Map());
    assert.deepEqual(JSON.parse(runtimeToJson(runtime)).restart, want, text);
    assert.match(configToYaml(config), /^ {8}restart:/m, 'printed by --dry-run');
  }
});

test('restart: absent means no key at all in runtime.json (LinuxKit bytes)', async () => {
  const config = await loadConfigText('services:\n  - name: web\n    image: linuxkit/web:1\n', 'a.yml');
  const { runtime } = toOCISpec(config.services![0]!, {}, new Map());
  assert.equal('restart' in JSON.parse(runtimeToJson(runtime)), false);
});

test('restart: YAML overrides a label default', async () => {
  const config = await loadConfigText(yml('"no"'), 'a.yml');
  const label = JSON.stringify({ runtime: { restart: 'always' } });
  const { runtime } = toOCISpec(config.services![0]!, { Labels: { 'org.mobyproject.config': label } }, new Map());
  assert.deepEqual(JSON.parse(runtimeToJson(runtime)).restart, { policy: 'no' });
  const fromLabel = toOCISpec({ name: 'web', image: 'linuxkit/web:1' }, { Labels: { 'org.mobyproject.config': label } }, new Map());
  assert.deepEqual(JSON.parse(runtimeToJson(fromLabel.runtime)).restart, { policy: 'always' });
});

test('restart: a bad value is an error at its line and column', async () => {
  for (const bad of ['sometimes', '{policy: always, retries: 3}', '{maxRetries: 2}']) {
    try {
      await loadConfigText(yml(bad), 'a.yml');
      assert.fail(`accepted ${bad}`);
    } catch (err) {
      const errors = err instanceof UserErrors ? err.errors : [err as UserError];
      assert.ok(errors.length > 0 && errors.every((e) => e instanceof UserError), bad);
      assert.match(errors[0]!.message, /^a\.yml:5:\d+: /, `${bad}: ${errors[0]!.message}`);
    }
  }
});
