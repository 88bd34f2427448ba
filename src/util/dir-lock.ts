// An exclusive lock on a cache directory shared by concurrent linuxkit processes (tests run in
// parallel, each building the same kernel): `mkdir` of DIR/.lock is atomic, the holder's pid is
// written inside, and a lock whose holder is gone (killed mid-build) is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { log } from './log.js';
import { processAlive } from './process-alive.js';

const POLL_MS = 2000;

/** Locks this process holds: another holder here waits for them like any other. */
const held = new Set<string>();

function holderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // Just made, pid not written yet: treat as alive; a lock left without a pid file for long
    // would only come from a crash between two syscalls.
    return true;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  // Our own pid but not held here: left by an earlier process that had the same pid.
  if (pid === process.pid) return held.has(lock);
  return processAlive(pid);
}

/** Runs `fn` holding the lock on `dir` (created if missing); `what` names it in the waiting message. */
export async function withDirLock<T>(dir: string, what: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.lock');
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      held.add(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!holderAlive(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!told) log.info(`waiting for another process using ${what} (${lock})`);
      told = true;
      await sleep(POLL_MS);
    }
  }
  try {
    return await fn();
  } finally {
    held.delete(lock);
    rmSync(lock, { recursive: true, force: true });
  }
}
