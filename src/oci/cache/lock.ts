// The cache lock: the same POSIX record lock (fcntl F_SETLKW on `<cache>/.lock`) that LinuxKit
// takes (lk:src/cmd/linuxkit/util/filelock_unix.go), so linuxkit-ts and LinuxKit processes that
// share one cache exclude each other while they rewrite index.json.
//
// Node has no fcntl(), so a tiny Perl process (perl-base is Essential on Debian) opens the file,
// takes the lock, says "locked" and holds it until its stdin closes. Why this and not an O_EXCL
// lock file: a kernel lock is released by the kernel when its holder dies, so there is never a
// stale lock to detect (no pid guessing across containers or hosts), and it is the lock LinuxKit
// itself honours. flock(1) would not do: on Linux flock() and fcntl() locks do not see each other.
import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../util/index.js';
import { log } from '../../util/index.js';
import { LOCK_FILE } from './layout.js';

// struct flock differs by OS: Linux (64-bit: x86_64, arm64, riscv64, s390x, ppc64le) has
//   short l_type; short l_whence; [pad 4]; off_t l_start; off_t l_len; pid_t l_pid; [pad 4]
// macOS has off_t l_start; off_t l_len; pid_t l_pid; short l_type; short l_whence;
// FreeBSD adds int l_sysid after l_whence.
const PERL_LOCKER = `
use strict; use Fcntl;
open(my $fh, '>>', $ARGV[0]) or die "open $ARGV[0]: $!\\n";
my $req = $^O eq 'darwin'  ? pack('q q l s s', 0, 0, 0, F_WRLCK, 0)
        : $^O eq 'freebsd' ? pack('q q l s s l', 0, 0, 0, F_WRLCK, 0, 0)
        :                    pack('s s x4 q q i x4', F_WRLCK, 0, 0, 0, 0);
fcntl($fh, F_SETLKW, $req) or die "lock $ARGV[0]: $!\\n";
$| = 1; print "locked\\n";
while (<STDIN>) {}
`;

/** Shown after this long waiting for another process's lock. */
const WAIT_NOTICE_MS = 2000;

/** Serialises lock holders inside this process (fcntl locks are per process). */
const inProcess = new Map<string, Promise<void>>();

/** Runs `fn` while holding the cache's exclusive lock. */
export async function withCacheLock<T>(cacheDir: string, fn: () => Promise<T>): Promise<T> {
  const lockPath = join(cacheDir, LOCK_FILE);
  const previous = inProcess.get(lockPath) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const chained = previous.then(() => mine);
  inProcess.set(lockPath, chained);
  await previous;
  try {
    const holder = await acquire(lockPath);
    try {
      return await fn();
    } finally {
      await holder.release();
    }
  } finally {
    release();
    if (inProcess.get(lockPath) === chained) inProcess.delete(lockPath);
  }
}

interface Held {
  release(): Promise<void>;
}

async function acquire(lockPath: string): Promise<Held> {
  // Create the file first so a missing directory is reported as such, not as a Perl error.
  await (await open(lockPath, 'a')).close();
  const child = spawn('perl', ['-e', PERL_LOCKER, lockPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  await waitLocked(child, lockPath);
  return {
    release: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin?.end();
      }),
  };
}

function waitLocked(child: ChildProcess, lockPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    let out = '';
    const notice = setTimeout(() => log.info(`waiting for the cache lock ${lockPath} (held by another process)`), WAIT_NOTICE_MS);
    const done = (err?: Error): void => {
      clearTimeout(notice);
      child.stdout?.removeAllListeners('data');
      child.removeListener('exit', onExit);
      child.removeListener('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      done(err.code === 'ENOENT' ? new UserError(`cannot lock the cache: "perl" is needed to take the cache lock ${lockPath} and was not found`) : err);
    };
    const onExit = (): void => done(new UserError(`cannot lock the cache (${lockPath}): ${stderr.trim() || 'lock helper exited'}`));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked\n')) done();
    });
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
