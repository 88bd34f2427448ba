// pkg/metadata's Equinix Metal provider run on the host, as inside the machine: the built
// metadata image unpacked and chrooted into, in new network, mount and UTS namespaces (so the
// host's network and hostname are never touched), with the fake service
// (test/fixtures/equinix-service.ts) listening on 127.0.0.1:443 in the same network namespace
// and metadata.packet.net in the image's /etc/hosts. The image's CA bundle is replaced by a CA
// made here, as a machine's own bundle bound over /etc/ssl/certs would. Each bad answer — an
// untrusted certificate, a certificate for another name, an HTTP error, the service's own error,
// hostile values — must be refused with its reason and nothing written under /run/config. The
// network steps (bond0) need a kernel with bonding: test/metadata-equinix-boot.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { BUSYBOX, tempDir } from './fixtures/boot.js';
import { deviceMetadata, EQUINIX_HOST, makeCa, makeServerCert, type Tls } from './fixtures/equinix-service.js';
import { buildProjectPackages, unpackImage } from './fixtures/packages.js';

const SERVICE = fileURLToPath(new URL('./fixtures/equinix-service.js', import.meta.url));
const KEYS = ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEqx1 one@test', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEqx2 two@test'];
const URL_ = `https://${EQUINIX_HOST}/metadata`;

// Run by the host's sh in the new namespaces: the service, then the provider in the chroot.
const SESSION = `
R=$1 DIR=$2
"$BUSYBOX" ip link set lo up || exit 10
mount --bind /dev/null "$R/dev/null" || exit 11
"$NODE" "$SERVICE" "$DIR/server.crt" "$DIR/server.key" "$(cat "$DIR/status")" "$DIR/metadata" "$DIR/userdata" >"$DIR/ready" &
i=0; while ! [ -s "$DIR/ready" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
chroot "$R" /usr/bin/metadata equinixmetal
echo "status $?"
kill $!
`;

type Doc = { network: { interfaces: Array<Record<string, unknown>>; addresses: Array<Record<string, unknown>>; bonding: Record<string, unknown> } };

interface Outcome {
  output: string;
  /** Files under the chroot's /run/config. */
  files: string[];
}

describe('the Equinix Metal provider against a fake service on the host', { timeout: 300_000 }, () => {
  const tmp = tempDir('metadata-equinix');
  const root = join(tmp, 'root');
  let ca: Tls;
  let good: Tls;

  before(async () => {
    const { refs } = await buildProjectPackages(join(tmp, 'cache'), ['metadata']);
    unpackImage(join(tmp, 'cache'), refs.get('metadata')!, root);
    // Mozilla's list as the image has it, for the case that uses it.
    writeFileSync(join(tmp, 'mozilla.crt'), readFileSync(join(root, 'etc/ssl/certs/ca-certificates.crt')));
    mkdirSync(join(root, 'dev'), { recursive: true });
    writeFileSync(join(root, 'dev/null'), '');
    writeFileSync(join(root, 'etc/hosts'), `127.0.0.1 localhost\n127.0.0.1 ${EQUINIX_HOST}\n`);
    // `ip link add … type bond` is refused here: on a host whose kernel has bonding as a module,
    // the kernel would load it, and the module makes a bond0 of its own in the host's network
    // namespace. Every other ip command is busybox's (the boot test makes bond0 for real).
    const ips = ['bin/ip', 'sbin/ip'].filter((p) => lstatExists(join(root, p)));
    assert.ok(ips.length > 0, 'the image has ip');
    for (const p of ips) {
      rmSync(join(root, p));
      writeFileSync(
        join(root, p),
        '#!/bin/sh\n[ "$1 $2" = "link add" ] && { echo "ip: RTNETLINK answers: Operation not supported" >&2; exit 2; }\nexec /bin/busybox ip "$@"\n',
        { mode: 0o755 },
      );
    }
    ca = makeCa(tmp, 'test-ca');
    good = makeServerCert(tmp, 'good', EQUINIX_HOST, ca);
  });

  function lstatExists(path: string): boolean {
    try {
      lstatSync(path);
      return true;
    } catch {
      return false;
    }
  }

  /** The provider against a service answering /metadata with (status, body), served with `tls`. */
  function session(name: string, tls: Tls, status: number, metadata: string, bundle = ca.cert): Outcome {
    const dir = join(tmp, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'server.crt'), readFileSync(tls.cert));
    writeFileSync(join(dir, 'server.key'), readFileSync(tls.key));
    writeFileSync(join(dir, 'status'), String(status));
    writeFileSync(join(dir, 'metadata'), metadata);
    writeFileSync(join(dir, 'userdata'), 'not read in these cases');
    writeFileSync(join(root, 'etc/ssl/certs/ca-certificates.crt'), readFileSync(bundle));
    for (const d of ['run', 'tmp']) {
      rmSync(join(root, d), { recursive: true, force: true });
      mkdirSync(join(root, d));
    }
    const r = spawnSync('unshare', ['-n', '-m', '-u', 'sh', '-c', SESSION, 'session', root, dir], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, BUSYBOX, NODE: process.execPath, SERVICE },
    });
    assert.equal(r.status, 0, `session ${name}: ${r.stderr}`);
    assert.match(r.stdout, /^status 0$/m, `metadata ends with status 0 (the boot goes on): ${r.stdout}`);
    const config = join(root, 'run/config');
    const files: string[] = [];
    const walk = (d: string, pre: string): void => {
      for (const f of readdirSync(d)) {
        if (statSync(join(d, f)).isDirectory()) walk(join(d, f), `${pre}${f}/`);
        else files.push(`${pre}${f}`);
      }
    };
    if (existsSync(config)) walk(config, '');
    return { output: r.stdout, files: files.sort() };
  }

  /** Asserts the provider refused the service's answer with `reason`, writing nothing. */
  function refused(o: Outcome, reason: string): void {
    const line = `metadata: EquinixMetal: no metadata: ${URL_}: ${reason}`;
    assert.ok(o.output.split('\n').includes(line), `expected "${line}" in:\n${o.output}`);
    assert.match(o.output, /^metadata: No metadata\/userdata found\. Bye$/m);
    assert.deepEqual(o.files, [], 'nothing written under /run/config');
  }

  /** The device's document, edited. */
  const doc = (edit: (d: Doc) => void = () => {}) => {
    const d = deviceMetadata('52:54:00:12:34:56', 'eno1', KEYS, 'em-host') as Doc;
    edit(d);
    return JSON.stringify(d);
  };

  it('a certificate from a CA the bundle does not have is refused', () => {
    const other = makeServerCert(tmp, 'untrusted', EQUINIX_HOST, makeCa(tmp, 'other-ca'));
    refused(session('untrusted', other, 200, doc()), 'certificate not trusted: unable to get local issuer certificate');
  });

  it("the image's own bundle (Mozilla's list) does not trust the test CA", () => {
    const bundle = join(tmp, 'mozilla.crt');
    assert.ok((readFileSync(bundle, 'utf8').match(/BEGIN CERTIFICATE/g) ?? []).length > 100, 'the image has a CA bundle');
    refused(session('own-bundle', good, 200, doc(), bundle), 'certificate not trusted: unable to get local issuer certificate');
  });

  it('a trusted certificate for another name is refused', () => {
    const other = makeServerCert(tmp, 'other-name', 'other.example', ca);
    refused(session('other-name', other, 200, doc()), `certificate is not for ${EQUINIX_HOST} (hostname mismatch)`);
  });

  it('an HTTP error with a body that is not JSON is that status', () => {
    refused(session('not-found', good, 404, '404 page not found\n'), 'server returned HTTP/1.1 404 Not Found');
  });

  it("the service's own error", () => {
    refused(session('error', good, 404, '{"error": "Not found"}'), 'the service says: Not found');
    refused(session('error-200', good, 200, '{"error": "device is being provisioned"}'), 'the service says: device is being provisioned');
  });

  it('a document that is not JSON', () => {
    refused(session('truncated', good, 200, '{"hostname": "em-host", "ssh_keys": ['), "not JSON: bad value '' at offset 39");
  });

  it('hostile values are refused before anything is written or run', () => {
    const cases: Array<[string, (d: Doc) => void, string]> = [
      ['dotdot', (d) => (d.network.interfaces[0]!.name = '../x'), 'network.interfaces[0].name "../x" is not an interface name'],
      ['semicolon', (d) => (d.network.interfaces[0]!.name = 'eth0;reboot'), 'network.interfaces[0].name "eth0;reboot" is not an interface name'],
      ['long-name', (d) => (d.network.interfaces[0]!.name = 'a'.repeat(16)), `network.interfaces[0].name "${'a'.repeat(16)}" is not an interface name`],
      ['bond0', (d) => (d.network.interfaces[0]!.name = 'bond0'), 'network.interfaces[0].name is bond0, the bond itself'],
      ['mac', (d) => (d.network.interfaces[0]!.mac = '52:54:00:12:34:56 up'), 'network.interfaces[0].mac "52:54:00:12:34:56 up" is not a MAC address'],
      ['address', (d) => (d.network.addresses[0]!.address = '10.0.2.15; reboot'), 'network.addresses[0].address "10.0.2.15; reboot" is not an IPv4 address'],
      ['octet', (d) => (d.network.addresses[1]!.address = '172.20.0.256'), 'network.addresses[1].address "172.20.0.256" is not an IPv4 address'],
      ['family', (d) => (d.network.addresses[0]!.address = 'fe80::1'), 'network.addresses[0].address "fe80::1" is not an IPv4 address'],
      ['gateway', (d) => (d.network.addresses[0]!.gateway = '10.0.2.2 dev lo'), 'network.addresses[0].gateway "10.0.2.2 dev lo" is not an IPv4 address'],
      ['cidr', (d) => (d.network.addresses[0]!.cidr = 33), 'network.addresses[0].cidr "33" is not a prefix length of IPv4'],
      ['mode', (d) => (d.network.bonding.mode = 9), 'network.bonding.mode "9" is not a bonding mode (0-6)'],
      ['mode-string', (d) => (d.network.bonding.mode = '1; reboot'), 'network.bonding.mode is not a number'],
    ];
    for (const [name, edit, reason] of cases) refused(session(`hostile-${name}`, good, 200, doc(edit)), reason);
  });

  it('a good document: hostname and keys written, then bond0 cannot be made without a bonding driver, logged', () => {
    const o = session('good', good, 200, doc());
    assert.match(o.output, /^metadata: EquinixMetal: Probe succeeded$/m);
    assert.match(o.output, /^metadata: EquinixMetal: Error during metadata probe: cannot create bond0: the kernel has no bonding driver/m);
    assert.deepEqual(o.files, ['hostname', 'provider', 'ssh/authorized_keys']);
    assert.equal(readFileSync(join(root, 'run/config/ssh/authorized_keys'), 'utf8'), KEYS.join('\n'));
    assert.equal(statSync(join(root, 'run/config/ssh/authorized_keys')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(root, 'run/config/hostname'), 'utf8'), 'em-host');
    // The plan the network steps would have carried out.
    assert.equal(
      readFileSync(join(root, 'tmp/em.net'), 'utf8'),
      'mode 1\nlink 52:54:00:12:34:56 eno1\naddr 10.0.2.15/24 0.0.0.0/0 10.0.2.2\naddr 172.20.0.5/24 172.20.0.0/16 172.20.0.1\n',
    );
  });
});
