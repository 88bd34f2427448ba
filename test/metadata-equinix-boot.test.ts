// pkg/metadata's Equinix Metal provider booted against a fake service on the host
// (test/fixtures/equinix-service.ts: node https with a certificate for metadata.packet.net from
// a CA made by this test with the host's openssl). The guest reaches it at 10.0.2.100:443
// through `run qemu --guestfwd`, by the name given in an /etc/hosts of the machine bound into
// the metadata container; the test CA is the machine's /etc/ssl/certs/ca-certificates.crt,
// bound over the image's own bundle (binds.add, as docs/metadata.md tells a user). One boot:
// dhcpcd gets qemu's 10.0.2.15, then `metadata equinixmetal` reads the document (the guest's
// NIC, its MAC fixed in the run's state directory, named eno1 there; bonding mode 1; a public and a private address),
// renames eth0 to eno1, enslaves it to bond0, moves the address there with its routes, and
// fetches the user data — over bond0, as eth0 has no address left. The container then prints
// /run/config, bond0's mode and slaves, its addresses and the routes on the console.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { boot, consoleUntilServices, tempDir } from './fixtures/boot.js';
import { deviceMetadata, EQUINIX_HOST, makeCa, makeServerCert, startEquinixService, type EquinixService } from './fixtures/equinix-service.js';
import { dhcpMachineYaml } from './fixtures/machine-yaml.js';
import { buildProjectPackages } from './fixtures/packages.js';
import { runCli } from './helpers.js';

// Debian's kernel: bonding is a module there (loaded when bond0 is asked for), and pkg/kernel,
// a VM kernel, has no bonding driver (docs/metadata.md).
const PACKAGES = ['kernel-debian', 'init', 'crun', 'dhcpcd', 'metadata', 'busybox'];
const GUEST_ADDRESS = '10.0.2.100';
/** The guest NIC's MAC: `run qemu` takes it from STATE/mac-addr (a random one is made and kept there otherwise). */
const MAC = '02:00:00:e9:00:01';
const KEYS = ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEqb1 one@test', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABeqb2 two@test'];
const USERDATA = JSON.stringify({ from: { content: 'user data over bond0' } });

// In the metadata container, after the provider: what it left, one tagged console line each.
const REPORT = `/usr/bin/metadata equinixmetal
find /run/config -type f | sort | while read -r f; do echo "CFG \${f#/run/config/} $(stat -c %a "$f") $(base64 -w 0 "$f")"; done
echo "HOST $(hostname)"
echo "MODE $(cat /sys/class/net/bond0/bonding/mode)"
echo "SLAVES $(cat /sys/class/net/bond0/bonding/slaves)"
ip -o addr show dev bond0 | sed 's/^/ADDR /'
ip route | sed 's/^/ROUTE /'
ls /sys/class/net | sed 's/^/LINK /'`;

describe('metadata equinixmetal booted against a fake Equinix Metal service', { timeout: 900_000 }, () => {
  const tmp = tempDir('metadata-equinix-boot');
  const cache = join(tmp, 'cache');
  let service: EquinixService | undefined;
  let text = '';
  const tagged = (tag: string) => [...text.matchAll(new RegExp(`^${tag} (.*?)\\r?$`, 'gm'))].map((m) => m[1]!);

  before(async () => {
    const refs = (await buildProjectPackages(cache, PACKAGES)).refs;
    const ca = makeCa(tmp, 'test-ca');
    const metadata = JSON.stringify(deviceMetadata(MAC, 'eno1', KEYS, 'em-booted'));
    service = await startEquinixService(makeServerCert(tmp, 'server', EQUINIX_HOST, ca), { status: 200, metadata, userdata: USERDATA });
    const yml = join(tmp, 'equinix.yml');
    writeFileSync(
      yml,
      `${dhcpMachineYaml(refs, 'kernel-debian')}  - name: metadata
    image: ${refs.get('metadata')}
    binds.add:
      - /etc/equinix-hosts:/etc/hosts
      - /etc/ssl/certs:/etc/ssl/certs
    command: [/bin/sh, -c, ${JSON.stringify(REPORT)}]
services:
  - name: up
    image: ${refs.get('busybox')}
    command: [sleep, "600"]
files:
  - path: etc/equinix-hosts
    contents: "127.0.0.1 localhost\\n${GUEST_ADDRESS} ${EQUINIX_HOST}\\n"
  - path: etc/ssl/certs/ca-certificates.crt
    source: ${ca.cert}
`,
    );
    const b = runCli(['--cache', cache, 'build', '--name', 'equinix', '--dir', join(tmp, 'out'), yml]);
    assert.equal(b.status, 0, b.stderr);
    const state = join(tmp, 'state');
    mkdirSync(state);
    writeFileSync(join(state, 'mac-addr'), MAC);
    const vm = await boot(join(tmp, 'out/equinix'), { state, networking: 'user', guestfwd: [`${GUEST_ADDRESS}:443=127.0.0.1:${service.port}`] });
    text = await consoleUntilServices(vm, join(tmp, 'console.log'));
  });
  after(() => service?.close());

  it('reads the service over verified TLS and writes /run/config as LinuxKit', () => {
    assert.match(text, /^metadata: EquinixMetal: Probe succeeded\r?$/m);
    assert.doesNotMatch(text, /EquinixMetal: (Error|no metadata)/);
    const files = Object.fromEntries(
      tagged('CFG').map((l) => {
        const [name, mode, content] = l.split(' ') as [string, string, string | undefined];
        return [name, { mode, content: Buffer.from(content ?? '', 'base64').toString() }];
      }),
    );
    assert.deepEqual(files, {
      from: { mode: '644', content: 'user data over bond0' },
      hostname: { mode: '644', content: 'em-booted' },
      provider: { mode: '644', content: 'EquinixMetal' },
      'ssh/authorized_keys': { mode: '600', content: KEYS.join('\n') },
      userdata: { mode: '644', content: USERDATA },
    });
    assert.deepEqual(tagged('HOST'), ['em-booted'], 'the machine takes the hostname');
  });

  it('bonds the renamed NIC in mode 1 and moves the addresses and routes to bond0', () => {
    assert.deepEqual(tagged('MODE'), ['active-backup 1']);
    assert.deepEqual(tagged('SLAVES'), ['eno1']);
    const links = tagged('LINK');
    assert.ok(links.includes('eno1') && links.includes('bond0') && !links.includes('eth0'), `links: ${links.join(' ')}`);
    const addrs = tagged('ADDR').join('\n');
    assert.match(addrs, /inet 10\.0\.2\.15\/24 /);
    assert.match(addrs, /inet 172\.20\.0\.5\/24 /);
    const routes = tagged('ROUTE');
    assert.ok(
      routes.some((r) => /^default via 10\.0\.2\.2 dev bond0\b/.test(r)),
      `routes: ${routes.join(' | ')}`,
    );
    assert.ok(
      routes.some((r) => /^172\.20\.0\.0\/16 via 172\.20\.0\.1 dev bond0\b/.test(r)),
      `routes: ${routes.join(' | ')}`,
    );
    assert.ok(!routes.some((r) => /dev eth0\b|dev eno1\b/.test(r)), `no route left on the NIC: ${routes.join(' | ')}`);
  });

  it('fetched the user data after the document, over bond0, and the boot went on', () => {
    assert.deepEqual(service!.log, ['GET /metadata', 'GET /userdata']);
    assert.match(text, /service up started/);
  });
});
