// The init's bundle functions (pkg/init/rootfs/usr/lib/linuxkit-ts/bundle.sh) run on the host by
// busybox, as inside the machine: chrooted into busybox + pkg/init/rootfs, with the commands
// that would change the host (mount, ip, nsenter) and the OCI runtime replaced by stand-ins
// that record their arguments. So a change to loading a bundle, runtime.json's mounts, mkdir,
// cgroups, interfaces and namespace binds, or running a bundle, is caught without a boot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from './fixtures/boot.js';
import { installInit } from './fixtures/init-image.js';

/** busybox runs its applets before $PATH: the stand-ins are shell functions, logging to /calls. */
const FAKES = `
mount() { echo "mount $*" >>/calls; }
ip() { echo "ip $*" >>/calls; case "$*" in "-o link") echo "9: veth0@eth1: <BROADCAST> mtu 1500" ;; esac; }
nsenter() { echo "nsenter $*" >>/calls; }
`;

/** The runtime's stand-in: logs its arguments; \`run\` exits with $RUN_STATUS; \`create\` writes a
 * pid that is not running (so the container "has gone" at once) or fails with $CREATE_FAILS. */
const FAKE_RUNTIME = `#!/bin/sh
echo "runtime $*" >>/calls
case "$1" in
create)
	[ -n "$CREATE_FAILS" ] && exit 1
	while [ $# -gt 0 ]; do [ "$1" = --pid-file ] && echo 4194304 >"$2"; shift; done ;;
run) exit "\${RUN_STATUS:-0}" ;;
esac
exit 0
`;

interface Shell {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The stand-ins' calls, in order. */
  calls: string[];
  root: string;
}

const canChroot = process.getuid?.() === 0;

/** Runs `script` after sourcing lib.sh and bundle.sh, with a bundle at /b whose runtime.json is `runtime`. */
function bundleSh(runtime: object | string | undefined, script: string, env: Record<string, string> = {}): Shell {
  const root = tempDir('bundle');
  installInit(root);
  mkdirSync(join(root, 'b/rootfs'), { recursive: true });
  writeFileSync(join(root, 'b/config.json'), '{"ociVersion": "1.0.2"}\n');
  if (runtime !== undefined) writeFileSync(join(root, 'b/runtime.json'), typeof runtime === 'string' ? runtime : JSON.stringify(runtime));
  for (const d of ['proc', 'dev', 'run/linuxkit-ts', 'sys/fs/cgroup']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'proc/uptime'), '100.00 50.00\n');
  writeFileSync(join(root, 'dev/null'), '');
  writeFileSync(join(root, 'dev/stdin'), '{}\n');
  writeFileSync(join(root, 'calls'), '');
  writeFileSync(join(root, 'usr/bin/runc'), FAKE_RUNTIME, { mode: 0o755 });
  const full = `. /usr/lib/linuxkit-ts/lib.sh\n. /usr/lib/linuxkit-ts/bundle.sh\n${FAKES}\n${script}`;
  const r = spawnSync('chroot', [root, '/bin/sh', '-c', full], { encoding: 'utf8', timeout: 20_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env } });
  assert.equal(r.error, undefined, String(r.error));
  const calls = readFileSync(join(root, 'calls'), 'utf8').split('\n').filter(Boolean);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls, root };
}

const NS_BIND = { bindNS: { net: '/run/netns/svc' } };

describe("the init's bundle functions (host, busybox, chroot)", { skip: canChroot ? false : 'needs root to chroot into the machine layout' }, () => {
  it('load_bundle reads runtime.json into RT_* and forgets the previous bundle', () => {
    const r = bundleSh(
      { mkdir: ['/var/lib/a'], cgroups: ['podruntime/x'] },
      `load_bundle /usr/bin/runc /b b || exit 9
echo "mkdir=$RT_mkdir_n:$RT_mkdir_0 cgroups=$RT_cgroups_0 config=[$LK_config]"
mkdir /c && load_bundle /usr/bin/runc /c c || exit 8
echo "after=[\${RT_mkdir_n-unset}] [\${RT_cgroups_0-unset}]"`,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'mkdir=1:/var/lib/a cgroups=podruntime/x config=[]\nafter=[unset] [unset]\n');
  });

  it('load_bundle refuses a runtime.json that is not JSON, naming it', () => {
    const r = bundleSh('{"mkdir": [', 'load_bundle /usr/bin/runc /b b; echo "status=$?"');
    assert.match(r.stdout, /^status=1$/m);
    assert.match(r.stderr, /warning: \/b\/runtime\.json is not valid JSON/);
  });

  it('prepare_filesystem: mounts in order (options, propagation), then mkdir, then cgroups', () => {
    const r = bundleSh(
      {
        mounts: [
          { destination: 'tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755', 'rshared'] },
          { destination: '/abs/dir', options: ['remount', 'private'] },
        ],
        mkdir: ['/var/lib/a', 'rel/b'],
        cgroups: ['podruntime/x'],
      },
      'load_bundle /usr/bin/runc /b b && prepare_filesystem /b',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.calls, [
      'mount -t tmpfs -o nosuid,mode=755 tmpfs /b/rootfs/tmp',
      'mount --make-rshared /b/rootfs/tmp',
      // An absolute destination is the host's path; remount + private only changes propagation.
      'mount --make-private /abs/dir',
    ]);
    for (const d of ['b/rootfs/tmp', 'abs/dir', 'var/lib/a', 'b/rootfs/rel/b']) {
      assert.ok(spawnSync('test', ['-d', join(r.root, d)]).status === 0, `${d} not made`);
    }
    // cgroup v1 layout here (no cgroup.controllers): the group in each hierarchy, none yet.
    assert.equal(spawnSync('test', ['-d', join(r.root, 'sys/fs/cgroup/podruntime')]).status, 1);
  });

  it('prepare_process: a veth pair (peer renamed), moved into the pid; then the namespace binds', () => {
    const r = bundleSh(
      { interfaces: [{ name: 'eth1', add: 'veth', peer: 'eth1p' }], bindNS: { net: '/run/netns/svc', uts: '/run/uts/svc' } },
      'load_bundle /usr/bin/runc /b b && prepare_process /b 42',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.calls, [
      'ip link add name eth1 type veth',
      'ip -o link',
      'ip link set veth0 name eth1p',
      'ip link set eth1 netns 42',
      'mount --bind /proc/42/ns/net /run/netns/svc',
      'mount --bind /proc/42/ns/uts /run/uts/svc',
    ]);
    assert.equal(spawnSync('test', ['-f', join(r.root, 'run/netns/svc')]).status, 0, 'the bind target is made');
  });

  it("run_to_completion without interfaces or binds: one `run`, with the container's status", () => {
    const r = bundleSh(
      {},
      'load_bundle /usr/bin/runc /b b; run_to_completion /usr/bin/runc b /b /dev/null /dev/null "$LK_config"; echo "status=$? known=$(exit_status_known && echo yes)"',
      { RUN_STATUS: '7' },
    );
    assert.equal(r.stdout, 'status=7 known=yes\n');
    assert.deepEqual(r.calls, ['runtime run --bundle /b b']);
  });

  it('run_to_completion with namespace binds: create, prepare, start, wait, delete; the status is not known', () => {
    const r = bundleSh(
      NS_BIND,
      'load_bundle /usr/bin/runc /b b; run_to_completion /usr/bin/runc b /b /dev/null /dev/null ""; echo "status=$? known=$(exit_status_known && echo yes || echo no)"',
    );
    assert.equal(r.stdout, 'status=0 known=no\n');
    assert.deepEqual(r.calls, [
      'runtime create --bundle /b --pid-file /run/linuxkit-ts/pids/b.pid b',
      'mount --bind /proc/4194304/ns/net /run/netns/svc',
      'runtime start b',
      'runtime delete -f b',
    ]);
    const failed = bundleSh(NS_BIND, 'load_bundle /usr/bin/runc /b b; run_to_completion /usr/bin/runc b /b /dev/null /dev/null ""; echo "status=$?"', {
      CREATE_FAILS: '1',
    });
    assert.equal(failed.stdout, 'status=1\n');
  });
});
