// pkg/docker's start script (usr/bin/docker.sh) on the host, under the busybox the image carries
// (Debian's busybox-static), with its paths moved into a temporary directory through the
// environment: the bad state disks a boot test cannot afford (too small, read-only: the engine
// is not started, the reason goes to the console, nothing is written), and the cgroup v2
// preparation before dockerd is exec'd. test/docker-boot.test.ts boots the package itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUSYBOX, tempDir, writeFileIn } from './fixtures/boot.js';
import { ROOT } from './helpers.js';

const SCRIPT = join(ROOT, 'pkg/docker/usr/bin/docker.sh');
// The cases of a disk need the temporary directory on a disk filesystem: on a tmpfs the script
// (rightly) takes the state for one held in memory.
const TMPFS_MAGIC = 0x01021994;
const notOnDisk = statfsSync(tmpdir()).type !== TMPFS_MAGIC ? false : 'the temporary directory is a tmpfs';

interface Setup {
  dir: string;
  state: string;
  env: NodeJS.ProcessEnv;
}

/** A state directory, a fake dockerd and loader (each records that it ran) and a console file. */
function setup(label: string): Setup {
  const dir = tempDir(`docker-sh-${label}`);
  const state = join(dir, 'state');
  mkdirSync(state);
  writeFileIn(dir, 'dockerd', `#!${BUSYBOX} sh\necho "$@" > ${dir}/dockerd.ran\n`, 0o755);
  writeFileIn(dir, 'loader', `#!${BUSYBOX} sh\necho "$@" > ${dir}/loader.ran\n`, 0o755);
  writeFileIn(dir, 'config/daemon.json', '{}');
  writeFileSync(join(dir, 'console'), '');
  const env = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    DOCKER_STATE: state,
    DOCKER_KMSG: join(dir, 'console'),
    DOCKER_CGROUP: join(dir, 'no-cgroup'),
    DOCKERD: join(dir, 'dockerd'),
    DOCKER_LOADER: join(dir, 'loader'),
    DOCKER_CONFIG_DIR: join(dir, 'config'),
  };
  return { dir, state, env };
}

/** docker.sh under busybox sh; `wrap` runs it inside `unshare -m sh -c WRAP` (for mounts). */
function run(s: Setup, args: string[] = [], wrap?: string) {
  const cmd = wrap ? ['unshare', ['-m', 'sh', '-c', `${wrap} && exec "$@"`, 'sh', BUSYBOX, 'sh', SCRIPT, ...args]] : [BUSYBOX, ['sh', SCRIPT, ...args]];
  const r = spawnSync(cmd[0] as string, cmd[1] as string[], { env: s.env, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, console: readFileSync(join(s.dir, 'console'), 'utf8') };
}

describe('pkg/docker: docker.sh', () => {
  it('refuses a state disk smaller than DOCKER_MIN_DISK_MB: says so on the console, writes nothing, no dockerd', { skip: notOnDisk }, () => {
    const s = setup('small');
    s.env.DOCKER_MIN_DISK_MB = '999999999';
    const r = run(s);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /docker: the disk at .*state holds \d+ MiB, less than the 999999999 MiB the engine needs: give it a larger disk/);
    assert.match(r.console, /^<3>docker: the disk at .* less than the 999999999 MiB .*dockerd not started, nothing written to /m);
    assert.deepEqual(readdirSync(s.state), [], 'nothing written to the state disk');
    assert.ok(!existsSync(join(s.dir, 'dockerd.ran')), 'dockerd not started');
  });

  it('refuses a read-only state disk, without writing to it', { skip: notOnDisk }, () => {
    const s = setup('ro');
    writeFileSync(join(s.state, 'kept'), 'image data');
    const r = run(s, [], `mount --bind -o ro "${s.state}" "${s.state}"`);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.console, /^<3>docker: .*state is not writable \(a read-only disk or filesystem\); dockerd not started/m);
    assert.deepEqual(readdirSync(s.state), ['kept']);
    assert.equal(readFileSync(join(s.state, 'kept'), 'utf8'), 'image data');
    assert.ok(!existsSync(join(s.dir, 'dockerd.ran')));
  });

  it('warns when the state is in memory (no disk mounted), and still starts the engine', () => {
    const s = setup('tmpfs');
    const r = run(s, [], `mount -t tmpfs -o size=1m tmpfs "${s.state}"`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.console, /^<3>docker: warning: no disk is mounted at .*: images and containers are kept in memory and lost at poweroff$/m);
    assert.ok(existsSync(join(s.dir, 'dockerd.ran')));
  });

  it(
    "moves its processes out of its own cgroup, enables the controllers there for the engine's containers, then runs the loader and dockerd",
    { skip: notOnDisk },
    () => {
      const s = setup('ok');
      const cg = join(s.dir, 'cgroup');
      writeFileIn(cg, 'cgroup.controllers', 'cpuset cpu io memory pids\n');
      writeFileIn(cg, 'docker/cgroup.controllers', 'cpuset cpu io memory pids\n');
      writeFileIn(cg, 'docker/cgroup.procs', '1\n7\n');
      writeFileIn(cg, 'docker/cgroup.subtree_control', '');
      s.env.DOCKER_CGROUP = cg;
      s.env.DOCKER_OWN_CGROUP = '/docker';
      const r = run(s, ['--debug', '--storage-driver', 'overlay2']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.console, '', 'nothing on the console when all is well');
      assert.equal(readFileSync(join(cg, 'docker/cgroup.subtree_control'), 'utf8'), '+cpuset +cpu +io +memory +pids \n');
      assert.equal(readFileSync(join(cg, 'docker/init/cgroup.procs'), 'utf8'), '7\n', 'each pid written to init/ (a file here: the last one)');
      assert.ok(!existsSync(join(cg, 'init')), "the machine's root group is left alone");
      const args = `--config-file ${s.dir}/config/daemon.json --cgroup-parent /docker --debug --storage-driver overlay2\n`;
      assert.equal(readFileSync(join(s.dir, 'dockerd.ran'), 'utf8'), args);
      assert.deepEqual(readdirSync(s.state), [], 'the write probe is removed');
      for (let i = 0; i < 50 && !existsSync(join(s.dir, 'loader.ran')); i++) spawnSync('sleep', ['0.1']);
      assert.equal(readFileSync(join(s.dir, 'loader.ran'), 'utf8'), `${s.dir}/config/images\n`, 'the loader was started on the images directory');
    },
  );
});
