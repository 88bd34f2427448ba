// pkg/init's JSON reader (json.awk), run by busybox as inside the machine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUSYBOX } from './fixtures/boot.js';
import { INIT_PKG_ROOTFS } from './fixtures/init-image.js';

const JSON_AWK = join(INIT_PKG_ROOTFS, 'usr/lib/linuxkit-ts/json.awk');
const OCIVERSION_AWK = join(INIT_PKG_ROOTFS, 'usr/lib/linuxkit-ts/ociversion.awk');

/** Reads `json` with json.awk under busybox sh and prints the named variables, one per line. */
function read(json: string, vars: string[]): { status: number | null; out: string[]; err: string } {
  const script = `v=$(busybox awk -v prefix=RT_ -f "$1") || exit $?; eval "$v"; shift; for n; do eval "printf '%s\\n' \\"\\\${$n-<unset>}\\""; done`;
  const r = spawnSync(BUSYBOX, ['sh', '-c', script, 'sh', JSON_AWK, ...vars], { input: json, encoding: 'utf8', env: { PATH: '/bin:/usr/bin' } });
  return { status: r.status, out: r.stdout.split('\n').slice(0, vars.length), err: r.stderr };
}

describe('json.awk (runtime.json reader of the init)', () => {
  it("reads LinuxKit's runtime.json (4-space indented, as json.MarshalIndent writes it)", () => {
    const runtime = {
      cgroups: ['podruntime/getty'],
      mounts: [
        { destination: '/containers/onboot/000-x/tmp', type: 'tmpfs', source: 'tmpfs' },
        { destination: '/containers/onboot/000-x/tmp', options: ['remount', 'private'] },
      ],
      mkdir: ['/var/lib/x'],
      interfaces: [{ name: 'eth1', add: 'veth', peer: 'eth1p', createInRoot: false }],
      bindNS: { net: '/run/netns/x' },
      restart: { policy: 'on-failure', maxRetries: 5 },
    };
    const r = read(JSON.stringify(runtime, null, 4), [
      'RT_cgroups_n',
      'RT_cgroups_0',
      'RT_mounts_n',
      'RT_mounts_0_type',
      'RT_mounts_1_options_1',
      'RT_mounts_1_source',
      'RT_mkdir_0',
      'RT_interfaces_0_peer',
      'RT_interfaces_0_createInRoot',
      'RT_bindNS_net',
      'RT_restart_maxRetries',
    ]);
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(r.out, ['1', 'podruntime/getty', '2', 'tmpfs', 'private', '<unset>', '/var/lib/x', 'eth1p', 'false', '/run/netns/x', '5']);
  });

  it('unescapes strings and quotes them safely for the shell', () => {
    const tricky = `it's "q" \\ $(reboot) \`x\` A\u0041`;
    const r = read(JSON.stringify({ mounts: [{ options: [tricky] }], restart: 'always' }), ['RT_mounts_0_options_0', 'RT_restart']);
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(r.out, [tricky, 'always']);
  });

  it('rejects what is not JSON', () => {
    for (const bad of ['{"a": [1, 2', '{"a" 1}', '{"a": tru}', '{} x']) {
      const r = read(bad, []);
      assert.equal(r.status, 2, bad);
      assert.match(r.err, /json\.awk: /);
    }
  });
});

// ociversion.awk runs in the same awk process as json.awk (bundle.sh load_bundle): one fork per
// container reads runtime.json and, for crun 1.8, writes a config.json copy saying 1.1.0.
describe('ociversion.awk (the config copy for crun < 1.9, in the same awk as json.awk)', () => {
  /** Runs both scripts as load_bundle does; returns the shell assignments and the copy, if any. */
  function load(config: string | undefined, runtime: string) {
    const dir = mkdtempSync(join(tmpdir(), 'ociversion-'));
    try {
      const cfg = join(dir, 'config.json');
      const out = join(dir, 'copy.json');
      writeFileSync(join(dir, 'runtime.json'), runtime);
      if (config !== undefined) writeFileSync(cfg, config);
      const args = [
        'awk',
        '-v',
        `cfg=${config === undefined ? '' : cfg}`,
        '-v',
        `out=${out}`,
        '-f',
        OCIVERSION_AWK,
        '-v',
        'prefix=RT_',
        '-f',
        JSON_AWK,
        join(dir, 'runtime.json'),
      ];
      const r = spawnSync(BUSYBOX, args, { encoding: 'utf8', env: { PATH: '/bin:/usr/bin' } });
      return { status: r.status, out: r.stdout, err: r.stderr, copy: existsSync(out) ? readFileSync(out, 'utf8') : undefined, path: out };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const config = (v: string) =>
    JSON.stringify({ ociVersion: v, process: { args: ['/bin/sh', '-c', 'echo "ociVersion": "9"'] }, root: { path: 'rootfs' } }, null, 4) + '\n';

  it('copies a 1.2.x config saying 1.1.0, byte for byte otherwise, and still reads runtime.json', () => {
    const r = load(config('1.2.1'), '{"mounts": [{"destination": "/x"}]}');
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, new RegExp(`^LK_config='--config ${r.path}'$`, 'm'));
    assert.match(r.out, /^RT_mounts_0_destination='\/x'$/m);
    assert.equal(r.copy, config('1.2.1').replace('"ociVersion": "1.2.1"', '"ociVersion": "1.1.0"'));
  });

  it('leaves 1.0.x and 1.1.x configs alone, and prints an empty flag without a config', () => {
    for (const v of ['1.0.2', '1.1.0', '1.1']) {
      const r = load(config(v), '{}');
      assert.equal(r.status, 0, r.err);
      assert.match(r.out, /^LK_config=''$/m, v);
      assert.equal(r.copy, undefined, v);
    }
    const r = load(undefined, '{}');
    assert.match(r.out, /^LK_config=''$/m);
  });

  it('does not hide a runtime.json that is not JSON', () => {
    const r = load(config('1.2.1'), '{"mounts": [');
    assert.equal(r.status, 2);
    assert.match(r.err, /json\.awk: /);
  });
});
