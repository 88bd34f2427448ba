// pkg/metadata's network providers against fake metadata services on the host
// (test/fixtures/metadata-servers.ts: node http on 127.0.0.1, the paths, headers and formats
// of the real services), reached by the guest at the providers' own addresses through
// `run qemu --guestfwd` (169.254.169.254:80, 169.254.42.42:80, and `metaldata`, a name given
// in the container's /etc/hosts). No traffic leaves the machine. Two boots:
//
// 1. dhcpcd gets an address in qemu's user network (169.254.0.0/16 with link-local rules),
//    then one onboot container of the metadata image runs `metadata NAME` for each provider in
//    turn, telling the fake service which one to play first, and prints what /run/config
//    holds after each (file, mode, content in base64) and the hostname; a second one runs
//    `metadata gcp scaleway hetzner` against bad answers (no answer, 500, a half-broken
//    Hetzner); the boot must go on to its services.
// 2. The examples/platform-*.yml and openstack.yml are built by the CLI as committed, and
//    platform-aws.yml is booted against the fake EC2 service serving the test's own key as the
//    launch key: the host's ssh logs in with it and reads /run/config.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../src/oci/registry/testing.js';
import type { VmHandle } from '../src/run/vm.js';
import { boot, consoleUntilServices, tempDir } from './fixtures/boot.js';
import { AWS_TOKEN, KEYS, METALDATA, PHASES, SCALEWAY, startFakeClouds, userData, type FakeClouds } from './fixtures/metadata-servers.js';
import { keygen, retry, ssh } from './fixtures/net.js';
import { dhcpMachineYaml } from './fixtures/machine-yaml.js';
import { buildProjectPackages } from './fixtures/packages.js';
import { ROOT, runCli } from './helpers.js';

// kernel-debian: examples/platform-equinixmetal.yml's kernel (bare metal: bonding and NIC drivers as modules).
const PACKAGES = ['kernel', 'kernel-debian', 'init', 'crun', 'dhcpcd', 'metadata', 'busybox', 'sysctl', 'rngd', 'getty', 'sshd'];
const PROVIDERS = ['aws', 'gcp', 'hetzner', 'openstack', 'scaleway', 'vultr', 'digitalocean', 'metaldata'];
const METALDATA_ADDRESS = '169.254.0.80';
// One image cache for both boots: the second finds the packages built.
const tmp = tempDir('metadata-providers');
const cache = join(tmp, 'cache');

// Inside the metadata container: what /run/config holds, one console line a file.
const DUMP = `dump() {
  find /run/config -type f | sort | while read -r f; do echo "CFG $1 \${f#/run/config/} $(stat -c %a "$f") $(base64 -w 0 "$f")"; done
  echo "HOST $1 $(hostname)"
}`;
const phase = (name: string, providers = name) => `wget -q -O /dev/null http://169.254.169.254/__phase/${name}
rm -rf /run/config/*; hostname linuxkit
echo "PHASE ${name}"
/usr/bin/metadata ${providers}
dump ${name}`;

interface Seen {
  files: Map<string, { mode: string; content: string }>;
  hostname: string;
}

/** The CFG and HOST lines of the console, by phase. */
function parseConsole(text: string): Map<string, Seen> {
  const phases = new Map<string, Seen>();
  const get = (p: string) => phases.get(p) ?? phases.set(p, { files: new Map(), hostname: '' }).get(p)!;
  for (const m of text.matchAll(/^CFG (\S+) (\S+) (\d+) (\S*)\r?$/gm))
    get(m[1]!).files.set(m[2]!, { mode: m[3]!, content: Buffer.from(m[4]!, 'base64').toString() });
  for (const m of text.matchAll(/^HOST (\S+) (\S+)\r?$/gm)) get(m[1]!).hostname = m[2]!;
  return phases;
}

describe('metadata providers against fake metadata services', { timeout: 900_000 }, () => {
  const refs = new Map<string, string>();
  let clouds: FakeClouds | undefined;
  let vm: VmHandle | undefined;
  let consoleText = '';
  let seen = new Map<string, Seen>();

  before(async () => {
    for (const [name, ref] of (await buildProjectPackages(cache, PACKAGES)).refs) refs.set(name, ref);
    clouds = await startFakeClouds();
    const yml = join(tmp, 'providers.yml');
    const script = [DUMP, ...PROVIDERS.map((p) => phase(p))].join('\n');
    writeFileSync(
      yml,
      `${dhcpMachineYaml(refs)}  - name: providers
    image: ${refs.get('metadata')}
    binds.add:
      - /etc/metadata-hosts:/etc/hosts
    command: [/bin/sh, -c, ${JSON.stringify(script)}]
  - name: bad
    image: ${refs.get('metadata')}
    command: [/bin/sh, -c, ${JSON.stringify([DUMP, phase('bad', 'gcp scaleway hetzner')].join('\n'))}]
services:
  - name: up
    image: ${refs.get('busybox')}
    command: [sleep, "600"]
files:
  - path: etc/metadata-hosts
    contents: "127.0.0.1 localhost\\n${METALDATA_ADDRESS} metaldata\\n"
`,
    );
    const b = runCli(['--cache', cache, 'build', '--name', 'providers', '--dir', join(tmp, 'out'), yml]);
    assert.equal(b.status, 0, b.stderr);
    vm = await boot(join(tmp, 'out/providers'), {
      networking: 'user',
      guestfwd: [
        `169.254.169.254:80=127.0.0.1:${clouds.imds.port}`,
        `169.254.42.42:80=127.0.0.1:${clouds.scaleway.port}`,
        `${METALDATA_ADDRESS}:80=127.0.0.1:${clouds.metaldata.port}`,
      ],
    });
    consoleText = await consoleUntilServices(vm, join(tmp, 'console.log'));
    seen = parseConsole(consoleText);
  });
  after(() => clouds?.close());

  /** Asserts the files of one phase: provider, hostname, extras, keys and the user data expanded. */
  function expectPhase(name: string, provider: string, extras: Record<string, string>, keys: string, withUserData = true): void {
    const s = seen.get(name);
    assert.ok(s, `no output for ${name}`);
    const expected: Record<string, { mode: string; content: string }> = {
      provider: { mode: '644', content: provider },
      'ssh/authorized_keys': { mode: '600', content: keys },
    };
    for (const [file, content] of Object.entries(extras)) expected[file] = { mode: '644', content };
    if (withUserData) {
      expected.userdata = { mode: '644', content: userData(name) };
      expected.from = { mode: '644', content: `user data from ${name}` };
    }
    assert.deepEqual(Object.fromEntries([...s.files].sort()), Object.fromEntries(Object.entries(expected).sort()));
    assert.equal(s.hostname, extras.hostname, 'the machine takes the hostname');
    assert.match(consoleText, new RegExp(`^metadata: ${provider}: Probe succeeded\\r?$`, 'm'));
  }

  /** The files a provider writes from a service's paths: BASE+lookup → file. */
  const fromPaths = (paths: Record<string, unknown>, base: string, files: Record<string, string>) =>
    Object.fromEntries(Object.entries(files).map(([lookup, file]) => [file, paths[base + lookup] as string]));
  // What LinuxKit's AWS and OpenStack providers write (lk:pkg/metadata/provider_aws.go).
  const EC2_FILES = {
    hostname: 'hostname',
    'public-ipv4': 'public_ipv4',
    'local-ipv4': 'local_ipv4',
    'placement/availability-zone': 'availability_zone',
    'instance-type': 'instance_type',
    'instance-id': 'instance_id',
    'local-hostname': 'local_hostname',
  };
  const lines = (keys: string[]) => keys.map((k) => `${k}\n`).join('');

  it('aws: IMDSv2 token, then hostname, the extras, the key and the user data', () => {
    expectPhase('aws', 'AWS', fromPaths(PHASES.aws!, '/latest/meta-data/', EC2_FILES), KEYS.aws);
    assert.ok(clouds!.imds.log.includes('PUT /latest/api/token'), 'a session token was asked for');
    assert.ok(!clouds!.imds.log.some((l) => l.startsWith('refused /latest')), `every AWS request carried the token (${AWS_TOKEN})`);
  });

  it('gcp: Metadata-Flavor on every request; "user:key" lines become keys', () => {
    expectPhase('gcp', 'GCP', fromPaths(PHASES.gcp!, '/computeMetadata/v1/instance/', { hostname: 'hostname' }), lines(KEYS.gcp));
    assert.ok(!clouds!.imds.log.some((l) => l.startsWith('refused /computeMetadata')), 'no request without Metadata-Flavor');
  });

  it('hetzner: its JSON key list, one key a line', () => {
    const files = { hostname: 'hostname', 'public-ipv4': 'public_ipv4', 'local-ipv4': 'local_ipv4', 'instance-id': 'instance_id' };
    expectPhase('hetzner', 'Hetzner', fromPaths(PHASES.hetzner!, '/latest/meta-data/', files), lines(KEYS.hetzner));
  });

  it('openstack: the EC2-compatible service (IMDSv1)', () => {
    expectPhase('openstack', 'openstack', fromPaths(PHASES.openstack!, '/latest/meta-data/', EC2_FILES), KEYS.openstack);
  });

  it('scaleway: /conf lines, quoted keys, user data over a privileged source port', () => {
    const conf = Object.fromEntries((SCALEWAY.scaleway!['/conf'] as string).split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const files = { HOSTNAME: 'hostname', ID: 'instance_id', LOCATION_ZONE_ID: 'instance_location', PUBLIC_IP_ADDRESS: 'public_ip', PRIVATE_IP: 'private_ip' };
    expectPhase('scaleway', 'Scaleway', fromPaths(conf, '', files), lines(KEYS.scaleway));
    assert.ok(clouds!.scaleway.log.includes('GET /user_data/cloud-init'));
  });

  it('vultr: interfaces and region, no user data (LinuxKit reads none)', () => {
    const files = {
      hostname: 'hostname',
      'interfaces/0/ipv4/address': 'public_ipv4',
      'interfaces/1/ipv4/address': 'private_ipv4',
      'interfaces/1/ipv4/netmask': 'private_netmask',
      'region/regioncode': 'region_code',
      instanceid: 'instance_id',
    };
    expectPhase('vultr', 'Vultr', fromPaths(PHASES.vultr!, '/v1/', files), KEYS.vultr, false);
  });

  it('digitalocean: droplet id, region, addresses', () => {
    const files = {
      hostname: 'hostname',
      'interfaces/public/0/ipv4/address': 'public_ipv4',
      'interfaces/private/0/ipv4/address': 'private_ipv4',
      region: 'region',
      id: 'id',
    };
    expectPhase('digitalocean', 'DigitalOcean', fromPaths(PHASES.digitalocean!, '/metadata/v1/', files), KEYS.digitalocean);
  });

  it('metaldata: a service found by name', () => {
    const files = {
      hostname: 'hostname',
      'public-ipv4': 'public_ipv4',
      'private-ipv4': 'private_ipv4',
      'failure-domain': 'failure_domain',
      'machine-id': 'machine_id',
      'machine-type': 'machine_type',
    };
    expectPhase('metaldata', 'metaldata', fromPaths(METALDATA, '/get/meta/', files), KEYS.metaldata);
  });

  it('bad answers are logged with the provider and the reason, and the boot goes on', () => {
    const lines = [
      /^metadata: GCP: no metadata: http:\/\/169\.254\.169\.254\/computeMetadata\/v1\/instance\/hostname: no answer in 2s\r?$/m,
      /^metadata: Scaleway: no metadata: http:\/\/169\.254\.42\.42\/conf: server returned error: HTTP\/1\.1 500 Internal Server Error\r?$/m,
      /^metadata: Hetzner: Probe succeeded\r?$/m,
      /^metadata: Hetzner: Failed to get public-ipv4: .*: server returned error: HTTP\/1\.1 500 Internal Server Error\r?$/m,
      /^metadata: Hetzner: Failed to get local-ipv4: .*: no answer in 2s\r?$/m,
      /^metadata: Hetzner: Failed to get ssh data: .*\/public-keys: not a JSON list of strings\r?$/m,
      /^metadata: user data is not JSON \(.*\): no files made from it\r?$/m,
    ];
    for (const l of lines) assert.match(consoleText, l);
    const bad = seen.get('bad')!;
    assert.deepEqual([...bad.files.keys()].sort(), ['hostname', 'instance_id', 'provider', 'userdata']);
    assert.equal(bad.hostname, 'bad-hetzner');
    assert.equal(bad.files.get('userdata')!.content, PHASES.bad!['/latest/user-data']);
    assert.match(consoleText, /onboot \d+-bad done status=0/);
    assert.match(consoleText, /service up started/);
  });
});

describe('examples/platform-aws.yml booted against the fake EC2 service; the platform examples built', { timeout: 900_000 }, () => {
  const key = join(tmp, 'id_aws');
  const out = join(tmp, 'examples');
  let clouds: FakeClouds | undefined;
  let vm: VmHandle | undefined;
  let sshPort = 0;

  before(async () => {
    await buildProjectPackages(cache, PACKAGES);
    const pub = await keygen(key);
    // The launch key is the test's own; the rest is the aws phase's.
    clouds = await startFakeClouds({ phase: 'aws', phases: { aws: { ...PHASES.aws, '/latest/meta-data/public-keys/0/openssh-key': pub } } });
  });
  after(async () => {
    vm?.kill();
    await clouds?.close();
  });

  it('all eight build as committed', () => {
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => /^(platform-.*|openstack)\.yml$/.test(f));
    assert.equal(examples.length, 8, examples.join(' '));
    for (const f of examples) {
      const r = runCli(['--cache', cache, 'build', '--name', f.replace(/\.yml$/, ''), '--dir', out, join(ROOT, 'examples', f)], { env: { HOME: tmp } });
      assert.equal(r.status, 0, `${f}: ${r.stderr}`);
    }
  });

  it('platform-aws: dhcpcd, then metadata reads EC2 (IMDSv2); sshd lets the launch key in', async () => {
    sshPort = await freePort();
    vm = await boot(join(out, 'platform-aws'), {
      networking: 'user',
      publish: [`${sshPort}:22`],
      guestfwd: [`169.254.169.254:80=127.0.0.1:${clouds!.imds.port}`],
    });
    const r = await retry(300_000, async () => {
      const x = await ssh(key, sshPort, 'cat /run/config/provider; echo; hostname; cat /run/config/availability_zone');
      return x.status === 0 ? x : undefined;
    });
    if (!r) process.stderr.write(`--- console ---\n${vm.text()}\n--- end ---\n`);
    assert.ok(r, 'no ssh login with the key from the metadata service within 5 minutes');
    const ec2 = (k: string) => PHASES.aws![`/latest/meta-data/${k}`] as string;
    assert.deepEqual(r.stdout.trim().split('\n'), ['AWS', ec2('hostname'), ec2('placement/availability-zone')]);
    assert.match(vm.text(), /^metadata: AWS: Probe succeeded\r?$/m);
    assert.ok(clouds!.imds.log.includes('PUT /latest/api/token'));
  });
});
