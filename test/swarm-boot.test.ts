// examples/swarm as a user runs it: swarm.yml built by the CLI from the project's packages (with
// a `docker save` tar of this project's busybox package in /etc/docker/images, as every machine
// needs the service's image and there is no registry), and examples/swarm/cluster.sh starting
// three machines under qemu (TCG) on one vde_switch private network, each with its own state
// directory. Checked from the host with its docker CLI, through machine 1's published ports:
// the three engines form a swarm (machine 1 initialises it, the others join with the token the
// script took from it into their metadata); a service of three replicas, on three different
// machines, answers HTTP on a port published through the routing mesh; after one worker is
// stopped (its qemu killed), the service answers again within a bounded time. `cluster.sh
// stop` ends everything.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePortRun } from '../src/oci/registry/testing.js';
import { tempDir } from './fixtures/boot.js';
import { retry, run } from './fixtures/net.js';
import { buildProjectPackages } from './fixtures/packages.js';
import { CLI, ROOT, runCli } from './helpers.js';

const PACKAGES = ['kernel', 'init', 'crun', 'dhcpcd', 'getty', 'metadata', 'format', 'mount', 'docker', 'busybox'];
const SCRIPT = join(ROOT, 'examples/swarm/cluster.sh');

const tmp = tempDir('swarm-boot');
const cache = join(tmp, 'cache');
const cluster = join(tmp, 'cluster');

/** One HTTP GET of / on the host port; the body, or undefined on any failure (bounded: 10 s). */
function httpGet(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/', timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

describe('examples/swarm: three machines form a swarm; a replicated service answers, also after a worker stops', { timeout: 2_400_000 }, () => {
  let base = 0;
  let web = 0;
  const engine = () => `tcp://127.0.0.1:${base + 1}`;
  const docker = (args: string[], ms = 120_000) => run('docker', ['-H', engine(), ...args], ms);

  before(async () => {
    const refs = (await buildProjectPackages(cache, PACKAGES)).refs;
    const tar = join(tmp, 'web.tar');
    const x = runCli(['--cache', cache, 'cache', 'export', '--format', 'docker', '--name', 'lkts/web:1', '--outfile', tar, refs.get('busybox')!]);
    assert.equal(x.status, 0, x.stderr);
    writeFileSync(join(tmp, 'images.yml'), `files:\n  - path: etc/docker/images/web.tar\n    source: ${tar}\n`);
    const b = runCli(['--cache', cache, 'build', '--name', 'swarm', '--dir', tmp, join(ROOT, 'examples/swarm/swarm.yml'), join(tmp, 'images.yml')]);
    assert.equal(b.status, 0, b.stderr);
    // cluster.sh runs `$LINUXKIT`: this checkout's CLI.
    writeFileSync(join(tmp, 'linuxkit'), `#!/bin/sh\nexec node ${CLI} "$@"\n`, { mode: 0o755 });
    // Machine i's engine is on BASE+i (cluster.sh): three consecutive free ports, and one more
    // for the published web port.
    const ports = await freePortRun(4);
    base = ports - 1;
    web = ports + 3;
    const r = await run(
      'env',
      [`LINUXKIT=${join(tmp, 'linuxkit')}`, 'sh', SCRIPT, 'start', '-n', '3', '-d', cluster, '-b', String(base), '-p', `${web}:8080`, join(tmp, 'swarm')].map(
        String,
      ),
      1_200_000,
    );
    assert.equal(r.status, 0, `cluster.sh start: ${r.stdout}\n${r.stderr}`);
  });

  after(async () => {
    await run('env', [`LINUXKIT=${join(tmp, 'linuxkit')}`, 'sh', SCRIPT, 'stop', '-d', cluster], 60_000);
  });

  /** The end of each machine's console, for a failure's message. */
  const consoles = () =>
    [1, 2, 3]
      .map((i) => {
        try {
          return `--- m${i} ---\n${readFileSync(join(cluster, `m${i}`, 'console.log'), 'utf8').slice(-1500)}`;
        } catch {
          return '';
        }
      })
      .join('\n');

  let nodes: string[] = [];
  it('machine 1 initialised the swarm and the two others joined it as workers', async () => {
    const ready = await retry(900_000, async () => {
      const r = await docker(['node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'], 30_000);
      const lines = r.stdout
        .trim()
        .split('\n')
        .filter((l) => / Ready/.test(l));
      return lines.length === 3 ? lines : undefined;
    });
    assert.ok(ready, `three Ready nodes within 15 minutes\n${consoles()}`);
    nodes = ready;
    assert.equal(ready.filter((l) => / Leader$/.test(l)).length, 1, 'one manager, the leader');
    for (const i of [2, 3])
      assert.match(readFileSync(join(cluster, `m${i}`, 'console.log'), 'utf8'), /docker: swarm: joined the swarm at 192\.168\.76\.11:2377 as a worker/);
  });

  it('a service of three replicas runs on three machines and answers on the published port', async (t) => {
    assert.equal(nodes.length, 3, 'needs the swarm');
    const c = await docker([
      'service',
      'create',
      '--detach',
      '--name',
      'web',
      '--replicas',
      '3',
      '--publish',
      '8080:8080',
      '--no-resolve-image',
      'lkts/web:1',
      'sh',
      '-c',
      'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www',
    ]);
    assert.equal(c.status, 0, c.stderr);
    const placed = await retry(600_000, async () => {
      const r = await docker(['service', 'ps', 'web', '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}']);
      const running = r.stdout
        .trim()
        .split('\n')
        .filter((l) => / Running /.test(l));
      return running.length === 3 ? running : undefined;
    });
    assert.ok(placed, `three running replicas within 10 minutes\n${consoles()}`);
    assert.equal(new Set(placed.map((l) => l.split(' ')[0])).size, 3, `on three machines: ${placed.join('; ')}`);
    const started = Date.now();
    const body = await retry(300_000, () => httpGet(web));
    assert.ok(body, 'an HTTP answer through the routing mesh within 5 minutes');
    t.diagnostic(`first answer ${((Date.now() - started) / 1000).toFixed(1)} s after the replicas ran: ${body.trim()}`);
    assert.match(body, /^[0-9a-f]{12}\n$/, "a container's hostname");
  });

  it('after a worker is stopped, the service answers again within 3 minutes', async (t) => {
    const pid = Number(readFileSync(join(cluster, 'm3', 'qemu.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    const stopped = Date.now();
    // Three answers in a row: the routing mesh balances over the replicas, so one answer could
    // still come while a dead one is in the rotation.
    const ok = await retry(180_000, async () => {
      for (let i = 0; i < 3; i++) if (!(await httpGet(web))) return undefined;
      return true;
    });
    assert.ok(ok, `the service did not answer three times in a row within 3 minutes of the stop\n${consoles()}`);
    t.diagnostic(`answering again ${((Date.now() - stopped) / 1000).toFixed(1)} s after the worker was stopped`);
  });
});
