// The network packages (pkg/dhcpcd, pkg/sshd, pkg/redis) built from Debian packages into a fresh
// cache, put in ONE image with the project's kernel, init, crun and busybox, and booted under
// qemu (TCG) with user networking and two published ports (`--publish`, free host ports):
// - dhcpcd runs onboot with `-1`, as examples/redis-os.yml uses it, and as a service, as
//   examples/sshd.yml does; the guest must get qemu's address, 10.0.2.15;
// - the host's OpenSSH client logs in through the forwarded port with keys made here by
//   ssh-keygen: one from the `files:` section (bound in as LinuxKit's sshd.yml does), one from
//   /run/config/ssh/authorized_keys (where LinuxKit's metadata package puts keys; written here by
//   an onboot container standing in for it), and a key authorized nowhere must be refused;
// - redis answers PING (and SET/GET) over a TCP socket through the other forwarded port;
// - finally a command over ssh asks init for a poweroff and qemu exits 0.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LayoutStore } from '../src/oci/cache/index.js';
import { freePort } from '../src/oci/registry/testing.js';
import { buildPackage } from '../src/pkg/build.js';
import { canonicalRef, loadPackage } from '../src/pkg/package.js';
import type { VmHandle } from '../src/run/vm.js';
import { boot, tempDir } from './fixtures/boot.js';
import { debianCloudKernel, ensureAptLists } from './fixtures/debian.js';
import { ROOT, runCli } from './helpers.js';

const PACKAGES = ['kernel', 'init', 'crun', 'busybox', 'dhcpcd', 'sshd', 'redis'];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a host command without blocking the event loop (the VM's console is read meanwhile). */
function run(cmd: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
}

/** `ssh -i KEY -p PORT root@127.0.0.1 COMMAND`: no prompts, no known_hosts, bounded in time. */
function ssh(key: string, port: number, command: string): Promise<Run> {
  const opts = ['StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null', 'BatchMode=yes', 'IdentitiesOnly=yes', 'ConnectTimeout=15', 'LogLevel=ERROR'];
  return run('ssh', ['-i', key, '-p', String(port), ...opts.flatMap((o) => ['-o', o]), 'root@127.0.0.1', command], 60_000);
}

/** Sends RESP commands (inline form) and collects the replies until `want` of them have come. */
function redis(port: number, commands: string[], want: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const sock = connect(port, '127.0.0.1', () => sock.write(commands.map((c) => `${c}\r\n`).join('')));
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`redis: no full reply within 10 s (got ${JSON.stringify(got)})`));
    }, 10_000);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      got += d;
      if ((got.match(/\r\n/g) ?? []).length >= want) {
        clearTimeout(timer);
        sock.end();
        resolve(got);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Retries `attempt` until it returns a value or `ms` have passed (services take a while under TCG). */
async function retry<T>(ms: number, attempt: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await attempt().catch(() => undefined);
    if (v !== undefined || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** A new ed25519 key pair at PATH (no passphrase); returns the public key line. */
async function keygen(path: string): Promise<string> {
  const r = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'linuxkit-ts-test', '-f', path], 30_000);
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

describe('dhcpcd, sshd and redis packages, booted with user networking', { timeout: 900_000 }, () => {
  const tmp = tempDir('net-pkgs');
  const refs = new Map<string, string>();
  const keys = { files: join(tmp, 'id_files'), metadata: join(tmp, 'id_metadata'), stranger: join(tmp, 'id_stranger') };
  let sshPort = 0;
  let redisPort = 0;
  let vm: VmHandle | undefined;
  let servicesUp = false;
  let poweredOff = false;
  let servicesAt = 0;

  before(async () => {
    ensureAptLists();
    const store = await LayoutStore.open(join(tmp, 'cache'));
    for (const name of PACKAGES) {
      const pkg = loadPackage(join(ROOT, 'pkg', name));
      await buildPackage(pkg, store);
      refs.set(name, canonicalRef(pkg));
    }
    const pub: Record<string, string> = {};
    for (const [k, path] of Object.entries(keys)) pub[k] = await keygen(path);

    // Written as a user would, with LinuxKit's fields; image names are the packages' references.
    const yml = join(tmp, 'net.yml');
    writeFileSync(
      yml,
      `kernel:
  image: ${refs.get('kernel')}
  cmdline: "console=ttyS0 panic=-1"
init:
  - ${refs.get('init')}
  - ${refs.get('crun')}
onboot:
  - name: dhcpcd
    image: ${refs.get('dhcpcd')}
    command: ["/sbin/dhcpcd", "--nobackground", "-f", "/dhcpcd.conf", "-1"]
  - name: metadata
    image: ${refs.get('busybox')}
    binds:
      - /run:/run
    command: [/bin/sh, -c, "mkdir -p -m 0755 /run/config/ssh && echo '${pub.metadata}' > /run/config/ssh/authorized_keys && chmod 0600 /run/config/ssh/authorized_keys"]
services:
  - name: dhcpcd
    image: ${refs.get('dhcpcd')}
  - name: sshd
    image: ${refs.get('sshd')}
    binds.add:
      - /root/.ssh:/root/.ssh
  - name: redis
    image: ${refs.get('redis')}
files:
  - path: root/.ssh/authorized_keys
    contents: "${pub.files}"
    mode: "0600"
`,
    );
    const b = runCli(['--cache', join(tmp, 'cache'), 'build', '--name', 'net', '--dir', join(tmp, 'out'), yml]);
    assert.equal(b.status, 0, b.stderr);

    sshPort = await freePort();
    redisPort = await freePort();
    vm = await boot(join(tmp, 'out/net'), {
      state: join(tmp, 'state'),
      networking: 'user',
      publish: [`${sshPort}:22`, `${redisPort}:6379/tcp`],
    });
    await vm.waitFor(/linuxkit-ts: [\d.]+ services started/, 300_000);
    servicesUp = true;
    servicesAt = Date.now();
  });

  after(() => {
    if (!vm) return;
    vm.kill('SIGKILL');
    if (!poweredOff) process.stderr.write(`--- console ---\n${vm.text()}\n--- end ---\n`);
  });

  it('dhcpcd -1 (onboot) gets 10.0.2.15 from qemu\'s user network and exits 0', (t) => {
    assert.ok(servicesUp);
    const console = vm!.text();
    // The boot's timeline, for the record (guest uptime in seconds).
    for (const m of console.matchAll(/^linuxkit-ts: ([\d.]+) ((?:init start|onboot|service|services started).*?)\r?$/gm)) t.diagnostic(`${m[1]} ${m[2]}`);
    assert.match(console, /eth0: leased 10\.0\.2\.15 for \d+ seconds/);
    assert.match(console, /linuxkit-ts: [\d.]+ onboot 000-dhcpcd done status=0/);
    for (const s of ['dhcpcd', 'sshd', 'redis']) assert.match(console, new RegExp(`linuxkit-ts: [\\d.]+ service ${s} started`));
  });

  let loggedIn = '';
  it('ssh logs in with the key from `files:` and runs a command in the guest', async (t) => {
    const cmd = 'uname -r; ip -4 -o addr show dev eth0; cat /etc/resolv.conf; grep leased /var/log/dhcpcd.log; echo "sum=$((6 * 7))"';
    const r = await retry(180_000, async () => {
      const x = await ssh(keys.files, sshPort, cmd);
      return x.status === 0 ? x : undefined;
    });
    assert.ok(r, 'no successful ssh login within 3 minutes');
    t.diagnostic(`first ssh login ${((Date.now() - servicesAt) / 1000).toFixed(1)} s after "services started" was seen`);
    loggedIn = r.stdout;
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], debianCloudKernel().release, 'the command ran in the guest (its kernel)');
    assert.match(r.stdout, /^\d+: eth0 +inet 10\.0\.2\.15\/24 /m, 'the address dhcpcd configured');
    assert.match(r.stdout, /^sum=42$/m);
  });

  it('the dhcpcd service keeps the lease and writes resolv.conf for every container', () => {
    assert.ok(loggedIn, 'needs the ssh login');
    assert.match(loggedIn, /^nameserver 10\.0\.2\.3$/m, "qemu's DNS server, written through dhcpcd's /etc bind");
    assert.match(loggedIn, /^eth0: leased 10\.0\.2\.15 for \d+ seconds$/m, "the service's own log (/var/log/dhcpcd.log)");
  });

  it('ssh logs in with a key from /run/config/ssh/authorized_keys (metadata), not with an unknown key', async () => {
    const meta = await ssh(keys.metadata, sshPort, 'echo "metadata key: $(id -u)"');
    assert.equal(meta.status, 0, meta.stderr);
    assert.match(meta.stdout, /^metadata key: 0$/m);
    const stranger = await ssh(keys.stranger, sshPort, 'echo should-not-run');
    assert.equal(stranger.status, 255, 'ssh fails');
    assert.match(stranger.stderr, /Permission denied \(publickey\)/);
    assert.doesNotMatch(stranger.stdout, /should-not-run/);
  });

  it('redis answers PING, SET and GET through the forwarded port', async () => {
    const reply = await retry(60_000, () => redis(redisPort, ['PING', 'SET lkts "from the host"', 'GET lkts'], 4));
    assert.ok(reply, 'redis did not answer within a minute');
    assert.equal(reply, '+PONG\r\n+OK\r\n$13\r\nfrom the host\r\n');
  });

  it('powers off cleanly when asked over ssh (sshd shares the machine\'s pid namespace)', async () => {
    assert.ok(loggedIn, 'needs the ssh login');
    // init's poweroff signal; ssh may or may not see the connection close cleanly.
    await ssh(keys.files, sshPort, 'kill -USR2 1');
    let timer: NodeJS.Timeout | undefined;
    const status = await Promise.race([vm!.wait(), new Promise<number>((r) => (timer = setTimeout(() => r(-1), 120_000)))]);
    clearTimeout(timer);
    assert.equal(status, 0, 'qemu exits 0 after the guest powers off');
    assert.match(vm!.text(), /linuxkit-ts: [\d.]+ shutdown done/);
    poweredOff = true;
  });
});
