// The committed schema/linuxkit.schema.json (what editors read) is the one the model gives.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT } from '../package-root.js';
import { configSchema, configSchemaText } from './model-schema.js';

test('schema/linuxkit.schema.json is generated from src/config/model.ts (run npm run build)', () => {
  const committed = readFileSync(join(PACKAGE_ROOT, 'schema/linuxkit.schema.json'), 'utf8');
  assert.equal(committed, configSchemaText());
});

test('the generated schema keeps what editors and the validator rely on', () => {
  const s = configSchema() as {
    properties: Record<string, unknown>;
    definitions: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
  };
  assert.deepEqual(Object.keys(s.properties), ['kernel', 'init', 'onboot', 'onshutdown', 'services', 'files', 'volumes', 'trust']);
  assert.deepEqual(s.definitions.image!.required, ['name', 'image']);
  // runtime-spec fields LinuxKit's schema lacks stay out of it; the OCI-only names too
  assert.ok(!('burst' in s.definitions.cpu!.properties!));
  assert.ok('blockio' in s.definitions.resources!.properties! && !('blockIO' in s.definitions.resources!.properties!));
  assert.deepEqual(Object.keys(s.definitions.mount!.properties!).slice(-2), ['uidmappings', 'gidmappings']);
});
