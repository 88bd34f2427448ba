// examples/sshd.yml and examples/redis-os.yml exactly as committed, built by the CLI with their
// `@pkg:` templates resolved to the project's packages (built from Debian packages into a fresh
// cache; the .deb files come from the shared download cache), and each booted once under qemu
// (TCG) with user networking and a published port (a free host port):
// - sshd.yml: its `files:` entry takes root's key from `~/.ssh/id_rsa.pub`, so the build runs
//   with HOME set to a temporary directory holding a key made by ssh-keygen; the host's OpenSSH
//   client logs in with it and runs a command, then asks init for a poweroff over ssh;
// - redis-os.yml: redis answers PING through the published port; the machine is powered off
//   from getty's root shell (INSECURE=true) on the serial console.
// Every wait is bounded; a machine still running at the end is killed.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../src/oci/registry/testing.js';
import type { VmHandle } from '../src/run/vm.js';
import { boot, tempDir } from './fixtures/boot.js';
import { buildExample as buildExampleIn, exitWithin } from './fixtures/examples.js';
import { keygen, redis, retry, ssh } from './fixtures/net.js';
import { buildProjectPackages, kernelRelease } from './fixtures/packages.js';

// What the two examples use, in the order of their comments' `linuxkit pkg build` lines.
const PACKAGES = ['kernel', 'init', 'crun', 'sysctl', 'rngd', 'getty', 'dhcpcd', 'sshd', 'redis'];

const tmp = tempDir('examples-boot');
const cache = join(tmp, 'cache');
const refs = new Map<string, string>();
let built: Awaited<ReturnType<typeof buildProjectPackages>> | undefined;

before(async () => {
  built = await buildProjectPackages(cache, PACKAGES);
  for (const [name, ref] of built.refs) refs.set(name, ref);
});

/** `linuxkit build examples/NAME.yml` into the test's directory (env: for HOME); returns the image prefix. */
const buildExample = (name: string, env: NodeJS.ProcessEnv = {}): string => buildExampleIn(cache, join(tmp, 'out'), name, { env });

describe('examples/sshd.yml, booted: ssh login with the key from ~/.ssh/id_rsa.pub', { timeout: 600_000 }, () => {
  const home = join(tmp, 'home');
  const key = join(home, '.ssh', 'id_rsa');
  let vm: VmHandle | undefined;
  let port = 0;
  let done = false;

  before(async () => {
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    await keygen(key, 'rsa');
    const image = buildExample('sshd', { HOME: home });
    port = await freePort();
    vm = await boot(image, { state: join(tmp, 'sshd-state'), networking: 'user', publish: [`${port}:22`] });
    await vm.waitFor(/linuxkit-ts: [\d.]+ services started/, 300_000);
  });

  after(() => {
    if (!vm) return;
    vm.kill('SIGKILL');
    if (!done) process.stderr.write(`--- sshd console ---\n${vm.text()}\n--- end ---\n`);
  });

  it('the packages came from a fresh cache, built from the shared .deb cache', (t) => {
    t.diagnostic(`built ${built!.built.join(', ')}; .deb files downloaded: ${built!.downloaded}`);
    assert.deepEqual(built!.built, PACKAGES);
  });

  let out = '';
  it('ssh logs in as root with the key and runs a command in the guest', async () => {
    const r = await retry(180_000, async () => {
      const x = await ssh(key, port, 'uname -r; id -u; ip -4 -o addr show dev eth0');
      return x.status === 0 ? x : undefined;
    });
    assert.ok(r, 'no successful ssh login within 3 minutes');
    out = r.stdout;
    const lines = out.split('\n');
    assert.equal(lines[0], kernelRelease(cache, refs.get('kernel')!, join(tmp, 'kernel-image')), 'the command ran in the guest (its kernel)');
    assert.equal(lines[1], '0');
    assert.match(out, /^\d+: eth0 +inet 10\.0\.2\.15\/24 /m, 'the address the dhcpcd service got');
  });

  it('powers off cleanly when asked over ssh', async () => {
    assert.ok(out, 'needs the ssh login');
    await ssh(key, port, 'kill -USR2 1'); // the connection may or may not close cleanly
    assert.equal(await exitWithin(vm!, 120_000), 0, 'qemu exits 0 after the guest powers off');
    assert.ok(/linuxkit-ts: [\d.]+ shutdown done/.test(vm!.text()), "the init's last shutdown stage");
    done = true;
  });
});

describe('examples/redis-os.yml, booted: redis answers PING', { timeout: 600_000 }, () => {
  let vm: VmHandle | undefined;
  let port = 0;
  let done = false;

  before(async () => {
    const image = buildExample('redis-os');
    port = await freePort();
    vm = await boot(image, { state: join(tmp, 'redis-state'), networking: 'user', publish: [`${port}:6379/tcp`] });
    await vm.waitFor(/linuxkit-ts: [\d.]+ services started/, 300_000);
  });

  after(() => {
    if (!vm) return;
    vm.kill('SIGKILL');
    if (!done) process.stderr.write(`--- redis-os console ---\n${vm.text()}\n--- end ---\n`);
  });

  it('dhcpcd (onboot) got 10.0.2.15', () => {
    assert.ok(/eth0: leased 10\.0\.2\.15 for \d+ seconds/.test(vm!.text()), "dhcpcd's lease line on the console");
  });

  it('redis answers PING with PONG through the published port', async () => {
    const reply = await retry(90_000, () => redis(port, ['PING'], 1));
    assert.equal(reply, '+PONG\r\n');
  });

  it("powers off cleanly from getty's root shell", async () => {
    await vm!.waitFor(/:\S*# /, 60_000);
    vm!.send('kill -USR2 1\r');
    assert.equal(await exitWithin(vm!, 120_000), 0, 'qemu exits 0 after the guest powers off');
    assert.ok(/linuxkit-ts: [\d.]+ shutdown done/.test(vm!.text()), "the init's last shutdown stage");
    done = true;
  });
});
