// LinuxKit's service packages (pkg/node_exporter, qemu-ga, auditd, containerd, open-vm-tools,
// influxdb) and the examples that use LinuxKit's YAML features around them (volumes, binds.add,
// runtime mounts), built from Debian packages into a fresh cache, built by the CLI exactly as
// committed and booted under qemu (TCG), one boot per example:
// 1. examples/node_exporter.yml, with qemu-ga, auditd, containerd and open-vm-tools added as
//    services (a YAML merged after it): node_exporter serves the guest's metrics on a published
//    port; qemu-ga answers guest-ping on `run qemu --guest-agent`'s socket; from getty's root
//    shell on the console, auditd's `auditctl -s` says auditing is on, containerd answers
//    `ctr version`, open-vm-tools said that this is not VMware and stopped;
// 2. examples/influxdb-os.yml: influxdb answers /ping and a query through a published port;
// 3. examples/volumes.yml: the web server serves a file of the populated volume, the blank one
//    is empty and writable;
// 4. examples/addbinds.yml: after a password login, getty has the machine's /var/tmp as well as
//    its label's binds;
// 5. examples/hostmount-writeable-overlay.yml: getty sees the machine's /etc writable at
//    /writeable-host-etc, and a write there leaves the machine's /etc alone.
// Every wait is bounded; each machine is killed at the end of its boot.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../src/oci/registry/testing.js';
import type { QemuRunOptions } from '../src/run/qemu.js';
import type { VmHandle } from '../src/run/vm.js';
import { boot, tempDir } from './fixtures/boot.js';
import { buildExample } from './fixtures/examples.js';
import { http, retry, type HttpReply } from './fixtures/net.js';
import { buildProjectPackages, kernelRelease } from './fixtures/packages.js';
import { ROOT, runCli } from './helpers.js';

const SERVICE_PKGS = ['node_exporter', 'qemu-ga', 'auditd', 'containerd', 'open-vm-tools', 'influxdb'];
const PACKAGES = ['kernel', 'init', 'crun', 'sysctl', 'dhcpcd', 'getty', 'rngd', 'busybox', ...SERVICE_PKGS];
const EXAMPLES = ['node_exporter', 'influxdb-os', 'volumes', 'addbinds', 'hostmount-writeable-overlay'];

const tmp = tempDir('svc-pkgs');
const cache = join(tmp, 'cache');
const out = join(tmp, 'out');
const refs = new Map<string, string>();

before(async () => {
  const built = await buildProjectPackages(cache, PACKAGES);
  for (const [name, ref] of built.refs) refs.set(name, ref);
});

/**
 * Types CMD at the root shell on the console and returns what it printed (stdout and stderr).
 * The markers are typed as `BEG""-TAG`, so the shell's echo of the typed line never matches.
 */
async function shell(vm: VmHandle, tag: string, cmd: string): Promise<string> {
  vm.send(`echo "BEG""-${tag}"; ${cmd} 2>&1; echo "END""-${tag}"\r`);
  await vm.waitFor(`END-${tag}`, 90_000);
  const text = vm.text().replace(/\r/g, '');
  const start = text.lastIndexOf(`\nBEG-${tag}\n`);
  const end = text.lastIndexOf(`\nEND-${tag}`);
  assert.ok(start >= 0 && end > start, `the output of "${cmd}" between its markers`);
  return text.slice(start + `\nBEG-${tag}\n`.length, end);
}

/** One request on the guest agent's socket: the first JSON line that comes back. */
function guestAgent(socket: string, request: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let got = '';
    const s = connect(socket, () => s.write(`${JSON.stringify(request)}\n`));
    const timer = setTimeout(() => s.destroy(new Error(`qemu-ga: no reply within 10 s (got ${JSON.stringify(got)})`)), 10_000);
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
      const nl = got.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      s.end();
      try {
        resolve(JSON.parse(got.slice(0, nl)));
      } catch (err) {
        reject(err as Error);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** GET PATH on a published port until it answers STATUS (a service takes a while under TCG). */
async function httpUntil(port: number, path: string, status: number): Promise<HttpReply> {
  const r = await retry(180_000, async () => {
    const x = await http(port, path);
    return x.status === status ? x : undefined;
  });
  assert.ok(r, `GET ${path}: no ${status} within 3 minutes`);
  return r;
}

/**
 * Boots an image with user networking (GUEST_PORT published on a free host port, `port()`)
 * until the init has started every service; shows the console if a test did not pass.
 */
function booted(name: string, image: () => string, guestPort?: number, opts: Partial<QemuRunOptions> = {}) {
  let vm: VmHandle | undefined;
  let port = 0;
  let failed = true;
  before(async () => {
    const publish = guestPort ? [`${(port = await freePort())}:${guestPort}`] : [];
    vm = await boot(image(), { state: join(tmp, `${name}-state`), networking: 'user', mem: 1024, publish, ...opts });
    await vm.waitFor(/linuxkit-ts: [\d.]+ services started/, 400_000);
  });
  after(() => {
    if (!vm) return;
    vm.kill('SIGKILL');
    writeFileSync(join(tmp, `${name}-console.log`), vm.text());
    if (failed) process.stderr.write(`--- ${name} console ---\n${vm.text()}\n--- end ---\n`);
  });
  return { vm: () => vm!, port: () => port, ok: () => void (failed = false) };
}

describe('the service packages and their examples: labels and layers', () => {
  it('no unaccepted high audit finding in the packages and examples', () => {
    const r = runCli([
      'audit',
      '--accept',
      join(ROOT, 'audit-accept.yml'),
      '--fail-on',
      'high',
      ...EXAMPLES.map((e) => join(ROOT, 'examples', `${e}.yml`)),
      ...SERVICE_PKGS.map((p) => join(ROOT, 'pkg', p, 'build.yml')),
    ]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

describe('examples/node_exporter.yml with qemu-ga, auditd, containerd and open-vm-tools, booted', { timeout: 900_000 }, () => {
  const socket = join(tmp, 'qga.sock');
  const m = booted(
    'node_exporter',
    () => {
      const extra = join(tmp, 'more-services.yml');
      const services = ['qemu-ga', 'auditd', 'containerd', 'open-vm-tools'].map((s) => `  - name: ${s}\n    image: ${refs.get(s)}\n`);
      writeFileSync(extra, `services:\n${services.join('')}`);
      return buildExample(cache, out, 'node_exporter', { extra: [extra] });
    },
    9100,
    { guestAgent: socket },
  );

  it("node_exporter serves the guest's metrics on the published port", async () => {
    const r = await httpUntil(m.port(), '/metrics', 200);
    assert.match(r.body, /^node_memory_MemTotal_bytes \d/m);
    const release = kernelRelease(cache, refs.get('kernel')!, join(tmp, 'kernel-image'));
    const uname = /^node_uname_info\{(.*)\} 1$/m.exec(r.body);
    assert.ok(uname, 'node_uname_info');
    assert.ok(uname[1]!.includes(`release="${release}"`), `the guest's kernel (${release}), read through /host/proc: ${uname[1]}`);
  });

  it('qemu-ga answers guest-ping on the --guest-agent socket', async () => {
    const reply = await retry(120_000, () => guestAgent(socket, { execute: 'guest-ping' }));
    assert.deepEqual(reply, { return: {} });
    const name = (await guestAgent(socket, { execute: 'guest-get-host-name' })) as { return: { 'host-name': string } };
    assert.match(name.return['host-name'], /^linuxkit-[0-9a-f]{12}$/, "the guest's hostname (made from its MAC address)");
  });

  it('auditd runs and `auditctl -s` says auditing is enabled', async () => {
    await m.vm().waitFor(/:\S*# /, 60_000);
    const s = await shell(m.vm(), 'audit', 'p=$(pidof auditd); echo "auditd pid $p"; nsenter -t "$p" -m auditctl -s');
    const pid = /^auditd pid (\d+)$/m.exec(s);
    assert.ok(pid, `auditd is running: ${s}`);
    assert.match(s, /^enabled 1$/m);
    assert.match(s, new RegExp(`^pid ${pid[1]}$`, 'm'), 'the kernel sends its records to this auditd');
    assert.match(s, /^backlog_limit 8192$/m, 'the rules of /etc/audit/audit.rules were loaded');
  });

  it('containerd answers `ctr version`', async () => {
    const s = await shell(m.vm(), 'ctr', 'nsenter -t "$(pidof containerd)" -m ctr version');
    assert.match(s, /^Server:\n {2}Version: +1\.\d+\.\d+/m, s);
  });

  it('open-vm-tools says this is not VMware and exits 0', async () => {
    // Its stdout is /var/log/open-vm-tools.out.log; it may still be starting under TCG.
    const log = '/var/log/open-vm-tools.out.log';
    const s = await shell(
      m.vm(),
      'vmt',
      `for i in $(seq 60); do grep -q 'not started' ${log} && break; sleep 1; done; cat ${log}; echo "vmtoolsd: [$(pidof vmtoolsd)]"`,
    );
    assert.match(s, /^open-vm-tools: not a VMware virtual machine \(.*\); vmtoolsd not started$/m, s);
    assert.match(s, /^vmtoolsd: \[\]$/m, 'no vmtoolsd left running');
    m.ok();
  });
});

describe('examples/influxdb-os.yml, booted: influxdb answers through a published port', { timeout: 600_000 }, () => {
  const m = booted('influxdb-os', () => buildExample(cache, out, 'influxdb-os'), 8086);

  it('GET /ping is 204 with its version; a database made by a query is listed', async () => {
    const ping = await httpUntil(m.port(), '/ping', 204);
    assert.match(String(ping.headers['x-influxdb-version']), /^1\.\d+/);
    const create = await http(m.port(), '/query?q=CREATE%20DATABASE%20lkts', 'POST');
    assert.equal(create.status, 200, create.body);
    const show = await http(m.port(), '/query?q=SHOW%20DATABASES');
    assert.match(show.body, /\["lkts"\]/);
    m.ok();
  });
});

describe('examples/volumes.yml, booted: a blank and a populated volume in the web server', { timeout: 600_000 }, () => {
  const m = booted('volumes', () => buildExample(cache, out, 'volumes'), 80);

  it("serves a file of the populated volume (the busybox image's /bin/busybox)", async () => {
    const r = await httpUntil(m.port(), '/bin/busybox', 200);
    assert.ok(r.body.startsWith('\x7fELF'), 'an ELF program');
  });

  it("the blank volume is empty and writable at /blank; both are the volumes' overlays", async () => {
    await m.vm().waitFor(/:\S*# /, 60_000);
    const s = await shell(
      m.vm(),
      'vol',
      'p=$(pidof httpd); echo "blank: [$(nsenter -t "$p" -m ls -A /blank)]"; nsenter -t "$p" -m touch /blank/w && echo wrote; grep -E " /(blank|alpine) " /proc/$p/mountinfo',
    );
    assert.match(s, /^blank: \[\]$/m);
    assert.match(s, /^wrote$/m);
    // Each is the volume's own overlay (lk:pkg/init/cmd/service/volumeinit.go), bound in.
    assert.match(s, / \/blank .* overlay overlay .*lowerdir=\/containers\/volumes\/blank\/lower,/);
    assert.match(s, / \/alpine .* overlay overlay .*lowerdir=\/containers\/volumes\/alpine\/lower,/);
    m.ok();
  });
});

describe('examples/addbinds.yml, booted: binds.add keeps the label binds', { timeout: 600_000 }, () => {
  const m = booted('addbinds', () => buildExample(cache, out, 'addbinds'));
  const token = `probe-${randomBytes(4).toString('hex')}`;

  it("getty has the machine's /var/tmp and its label's binds", async () => {
    // The example's /etc/getty.shadow gives root the password "abcdefgh".
    await m.vm().waitFor(/ login: /, 120_000);
    m.vm().send('root\r');
    await m.vm().waitFor(/Password: /, 30_000);
    m.vm().send('abcdefgh\r');
    await m.vm().waitFor(/:\S*# /, 60_000);
    const s = await shell(
      m.vm(),
      'binds',
      `touch /var/tmp/${token}; nsenter -t 1 -m ls -1 /var/tmp; ls -1 /containers/services; ls /hostroot/etc/getty.shadow`,
    );
    assert.match(s, new RegExp(`^${token}$`, 'm'), "a file written in getty's /var/tmp is in the machine's");
    assert.match(s, /^getty$/m, 'the label bind of /containers is still there');
    assert.match(s, /^\/hostroot\/etc\/getty.shadow$/m, 'the label bind of /etc:/hostroot/etc is still there');
    m.ok();
  });
});

describe('examples/hostmount-writeable-overlay.yml, booted: a private writable view of /etc', { timeout: 600_000 }, () => {
  const m = booted('hostmount', () => buildExample(cache, out, 'hostmount-writeable-overlay'));

  it("getty writes into the machine's /etc at /writeable-host-etc; the machine's /etc is unchanged", async () => {
    await m.vm().waitFor(/:\S*# /, 60_000);
    const s = await shell(
      m.vm(),
      'ovl',
      'ls /writeable-host-etc/inittab; echo hi > /writeable-host-etc/probe && echo "probe: $(cat /writeable-host-etc/probe)"; ls /hostroot/etc/probe; nsenter -t 1 -m ls -1 /run/hostetc/upper; echo "httpd: [$(pidof httpd)]"',
    );
    assert.match(s, /^\/writeable-host-etc\/inittab$/m, "the machine's /etc is seen there");
    assert.match(s, /^probe: hi$/m, 'and is writable');
    assert.match(s, /ls: \/hostroot\/etc\/probe: No such file or directory/, "the machine's /etc is unchanged");
    assert.match(s, /^probe$/m, 'the write is in the upper directory /run/hostetc/upper');
    assert.match(s, /^httpd: \[\d+\]$/m, "the example's web server runs too");
    m.ok();
  });
});
