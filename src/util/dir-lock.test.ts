// The cache directory lock the kernel build takes: holders run one at a time, and a lock left by
// a process that is gone (a killed build) is taken over instead of waited for.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { withDirLock } from './dir-lock.js';

const tmp = mkdtempSync(join(tmpdir(), 'dir-lock-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('withDirLock', () => {
  it('runs holders of the same directory one at a time, and removes the lock after', async () => {
    const dir = join(tmp, 'a');
    const events: string[] = [];
    const holder = (name: string) =>
      withDirLock(dir, 'test', async () => {
        events.push(`${name} in`);
        await sleep(300);
        events.push(`${name} out`);
      });
    await Promise.all([holder('one'), holder('two')]);
    assert.deepEqual(events, ['one in', 'one out', 'two in', 'two out']);
    assert.equal(existsSync(join(dir, '.lock')), false);
  });

  it('takes over a lock whose holder has exited', async () => {
    const dir = join(tmp, 'b');
    // A pid that is certainly gone: a child that has already exited.
    const dead = spawnSync('true').pid!;
    mkdirSync(join(dir, '.lock'), { recursive: true });
    writeFileSync(join(dir, '.lock', 'pid'), String(dead));
    const started = Date.now();
    assert.equal(await withDirLock(dir, 'test', async () => 'ran'), 'ran');
    assert.ok(Date.now() - started < 1500, 'did not wait for the dead holder');
  });
});
