// The init's service supervisor (pkg/init/rootfs/usr/bin/service: start_one, supervise) run on
// the host by busybox, as inside the machine: chrooted into a tree laid out as the machine's
// (busybox + pkg/init/rootfs + /containers/services/NAME), with an OCI runtime that stands in for
// crun (exits with the statuses it is told, "runs" for the seconds it is told) and a `sleep` that
// records the back-off and moves the clock (/proc/uptime is a file here) instead of waiting.
// Every policy in a fraction of a second; test/init-boot.test.ts restarts services in a boot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from './fixtures/boot.js';
import { installInit } from './fixtures/init-image.js';

/** The runtime's stand-in: `run` (in the foreground) takes the first line "STATUS [SECONDS]" of
 * /statuses; with none left it sets the init's "stopping" flag, as a poweroff would, and exits 0. */
const FAKE_RUNTIME = `#!/bin/sh
echo "$*" >>/runtime.log
# create/start (a bundle with namespace binds): the pid of no process, then a status line as \`run\`.
if [ "$1" = create ]; then while [ $# -gt 0 ]; do [ "$1" = --pid-file ] && echo 4194304 >"$2"; shift; done; exit 0; fi
[ "$1" = run ] || [ "$1" = start ] || exit 0
case " $* " in *" --detach "*) exit 0 ;; esac
if [ ! -s /statuses ]; then : >/run/linuxkit-ts/stopping; exit 0; fi
read -r status secs </statuses
sed -i 1d /statuses
if [ -n "$secs" ]; then read -r up _ </proc/uptime; echo "$((\${up%.*} + secs)).00 0.00" >/proc/uptime; fi
exit "$status"
`;

/** busybox runs applets before $PATH, so the clock's (and mount's) stand-ins are shell functions. */
const FAKE_SLEEP = 'sleep() { echo "$1" >>/sleep.log; read -r up _ </proc/uptime; echo "$((${up%.*} + ${1%.*})).00 0.00" >/proc/uptime; }\nmount() { :; }';

interface Supervised {
  status: number | null;
  /** What init printed: stage lines and warnings (the supervisor writes to /dev/console). */
  console: string;
  /** How many times the service ran in the foreground (each start of a supervised service). */
  runs: number;
  /** `start` calls: each run of a supervised service that has namespace binds (create, start). */
  starts: number;
  /** `run --detach` calls: the unsupervised start. */
  detached: number;
  /** The back-off delays, in order. */
  sleeps: number[];
  supervised: boolean;
}

const canChroot = process.getuid?.() === 0;

/** `service start NAME` for a service whose runtime.json is `runtime`, its runs ending with `statuses`. */
function superviseService(runtime: object | undefined, statuses: Array<number | [number, number]>): Supervised {
  const root = tempDir('supervise');
  installInit(root);
  const bundle = join(root, 'containers/services/svc');
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  writeFileSync(join(bundle, 'config.json'), '{"ociVersion": "1.0.2"}\n');
  if (runtime) writeFileSync(join(bundle, 'runtime.json'), JSON.stringify(runtime));
  for (const d of ['proc', 'dev', 'run/linuxkit-ts', 'var/log']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'proc/uptime'), '100.00 50.00\n');
  for (const f of ['dev/console', 'dev/null', 'sleep.log', 'runtime.log']) writeFileSync(join(root, f), '');
  // Without runtime.json the init reads "{}" from a here-document as /dev/stdin, which is
  // /proc/self/fd/0 in the machine; /proc here is a directory holding the clock.
  writeFileSync(join(root, 'dev/stdin'), '{}\n');
  writeFileSync(join(root, 'usr/bin/runc'), FAKE_RUNTIME, { mode: 0o755 });
  writeFileSync(join(root, 'statuses'), statuses.map((s) => (Array.isArray(s) ? s.join(' ') : String(s))).join('\n') + '\n');
  // `. service start svc` rather than running it: `wait` then waits for the supervisor too.
  const script = `${FAKE_SLEEP}\n. /usr/bin/service start svc\nst=$?\nwait\nexit $st`;
  const r = spawnSync('chroot', [root, '/bin/sh', '-c', script], { encoding: 'utf8', timeout: 20_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  assert.equal(r.error, undefined, `service start: ${r.error}`);
  const runtimeCalls = readFileSync(join(root, 'runtime.log'), 'utf8').split('\n').filter(Boolean);
  return {
    status: r.status,
    console: readFileSync(join(root, 'dev/console'), 'utf8') + r.stdout + r.stderr,
    runs: runtimeCalls.filter((c) => c.startsWith('run --bundle')).length,
    detached: runtimeCalls.filter((c) => c.startsWith('run --detach')).length,
    starts: runtimeCalls.filter((c) => c.startsWith('start ')).length,
    sleeps: readFileSync(join(root, 'sleep.log'), 'utf8').split('\n').filter(Boolean).map(Number),
    supervised: existsSync(join(root, 'run/linuxkit-ts/supervisors/svc')),
  };
}

describe(
  'the init supervises services by their restart policy (host, busybox, chroot)',
  { skip: canChroot ? false : 'needs root to chroot into the machine layout' },
  () => {
    it('no restart field, or "no": started once, detached, not supervised (LinuxKit)', () => {
      for (const runtime of [undefined, { restart: 'no' }, { restart: { policy: 'no' } }]) {
        const s = superviseService(runtime, [3, 3]);
        const what = JSON.stringify(runtime);
        assert.equal(s.status, 0, `${what}: ${s.console}`);
        assert.deepEqual([s.detached, s.runs, s.supervised], [1, 0, false], what);
        assert.deepEqual(s.sleeps, [], what);
        assert.match(s.console, /linuxkit-ts: 100\.00 service svc started/, what);
      }
    });

    it('on-failure: restarts after a non-zero status, stops after status 0', () => {
      const s = superviseService({ restart: { policy: 'on-failure' } }, [3, 3, 0, 3]);
      assert.equal(s.status, 0, s.console);
      assert.equal(s.runs, 3, s.console);
      assert.ok(s.supervised);
      assert.match(s.console, /service svc exited status=3; restart 1 in 1s\n.*service svc exited status=3; restart 2 in 2s\n.*service svc exited status=0\n/s);
      assert.deepEqual(s.sleeps, [1, 2]);
    });

    it('on-failure: a service that exits 0 at once is not restarted', () => {
      const s = superviseService({ restart: 'on-failure' }, [0, 3]);
      assert.equal(s.runs, 1, s.console);
      assert.deepEqual(s.sleeps, []);
      assert.match(s.console, /linuxkit-ts: 100\.00 service svc exited status=0$/m);
      assert.doesNotMatch(s.console, /restart/);
    });

    it('always: restarts whatever the status, 0 included, until the machine stops', () => {
      const s = superviseService({ restart: 'always' }, [0, 3, 0]);
      assert.equal(s.runs, 4, s.console); // the fourth run ends with the "stopping" flag set
      assert.match(s.console, /service svc exited status=0; restart 1 in 1s/);
      assert.match(s.console, /service svc exited status=3; restart 2 in 2s/);
      assert.match(s.console, /service svc exited status=0; restart 3 in 4s/);
      assert.doesNotMatch(s.console, /restart 4/, 'no restart once the machine is stopping');
      assert.deepEqual(s.sleeps, [1, 2, 4]);
    });

    it('back-off: 1, 2, 4, 8, 16 s, then 30 s at most, with the time since boot on each line', () => {
      const s = superviseService({ restart: { policy: 'always' } }, Array(8).fill(1));
      assert.equal(s.runs, 9, s.console);
      assert.deepEqual(s.sleeps, [1, 2, 4, 8, 16, 30, 30, 30]);
      const lines = [...s.console.matchAll(/linuxkit-ts: (\d+)\.00 service svc exited status=1; restart (\d+) in (\d+)s/g)].map((m) => m.slice(1).map(Number));
      assert.deepEqual(lines, [
        [100, 1, 1],
        [101, 2, 2],
        [103, 3, 4],
        [107, 4, 8],
        [115, 5, 16],
        [131, 6, 30],
        [161, 7, 30],
        [191, 8, 30],
      ]);
    });

    it('a run of 30 s or more starts afresh: delay back to 1 s, retry count back to 0', () => {
      const s = superviseService({ restart: { policy: 'on-failure', maxRetries: 2 } }, [1, 1, [1, 30], 1, 1, 0]);
      assert.equal(s.status, 0);
      assert.deepEqual(s.sleeps, [1, 2, 1, 2], s.console);
      assert.match(
        s.console,
        /exited status=1; restart 2 in 2s\n.*exited status=1; restart 1 in 1s\n.*exited status=1; restart 2 in 2s\n.*exited status=1; gave up after 2 restarts/s,
      );
      assert.equal(s.runs, 5);
    });

    it('maxRetries: gives up after that many restarts (on-failure and always)', () => {
      const f = superviseService({ restart: { policy: 'on-failure', maxRetries: 2 } }, [1, 1, 1, 1]);
      assert.equal(f.runs, 3, f.console);
      assert.deepEqual(f.sleeps, [1, 2]);
      assert.match(f.console, /service svc exited status=1; gave up after 2 restarts/);
      const a = superviseService({ restart: { policy: 'always', maxRetries: 1 } }, [0, 0, 0]);
      assert.equal(a.runs, 2, a.console);
      assert.match(a.console, /service svc exited status=0; restart 1 in 1s\n.*service svc exited status=0; gave up after 1 restarts/s);
      const none = superviseService({ restart: { policy: 'on-failure', maxRetries: 0 } }, [1, 1]);
      assert.equal(none.runs, 1, none.console);
      assert.match(none.console, /gave up after 0 restarts/);
    });

    it('on-failure: a service with namespace binds, whose status cannot be known, is restarted when it stops', () => {
      // Its process is reaped by init, not by the supervisor: "stopped" is all that is known, and a
      // service that stops is taken for a failed one (it used to count as status 0: never restarted).
      const s = superviseService({ restart: 'on-failure', bindNS: { net: '/run/netns/svc' } }, [0, 0]);
      assert.equal(s.starts, 3, s.console); // the third run ends with the "stopping" flag set
      assert.equal(s.runs, 0);
      assert.match(s.console, /service svc exited status=unknown; restart 1 in 1s\n.*service svc exited status=unknown; restart 2 in 2s/s);
      assert.deepEqual(s.sleeps, [1, 2]);
    });

    it('an unknown policy is a warning and the service is not started', () => {
      const s = superviseService({ restart: 'sometimes' }, [0]);
      assert.equal(s.status, 1);
      assert.equal(s.runs + s.detached, 0);
      assert.match(s.console, /warning: svc: unknown restart policy "sometimes" \(always, on-failure or no\)/);
    });
  },
);
