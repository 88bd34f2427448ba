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
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../src/oci/registry/testing.js';
import type { VmHandle } from '../src/run/vm.js';
import { boot, tempDir } from './fixtures/boot.js';
import { keygen, redis, retry, ssh } from './fixtures/net.js';
import { dhcpMachineYaml } from './fixtures/machine-yaml.js';
import { buildProjectPackages, kernelRelease } from './fixtures/packages.js';
import { runCli } from './helpers.js';

const PACKAGES = ['kernel', 'init', 'crun', 'busybox', 'dhcpcd', 'sshd', 'redis'];

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
    for (const [name, ref] of (await buildProjectPackages(join(tmp, 'cache'), PACKAGES)).refs) refs.set(name, ref);
    const pub: Record<string, string> = {};
    for (const [k, path] of Object.entries(keys)) pub[k] = await keygen(path);

    // Written as a user would, with LinuxKit's fields; image names are the packages' references.
    const yml = join(tmp, 'net.yml');
    writeFileSync(
      yml,
      `${dhcpMachineYaml(refs)}  - name: metadata
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

  it("dhcpcd -1 (onboot) gets 10.0.2.15 from qemu's user network and exits 0", (t) => {
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
    assert.equal(lines[0], kernelRelease(join(tmp, 'cache'), refs.get('kernel')!, join(tmp, 'kernel-image')), 'the command ran in the guest (its kernel)');
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

  it("powers off cleanly when asked over ssh (sshd shares the machine's pid namespace)", async () => {
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
