// The shell and awk parts of the base packages (pkg/sysctl, metadata, mount, format, rngd) run
// on the host with the same busybox the images carry (Debian's busybox-static), on files in a
// temporary directory: the cases a boot does not reach (bad input, every JSON form, GPT).
// test/base-pkgs-boot.test.ts boots the packages themselves.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUSYBOX, tempDir } from './fixtures/boot.js';
import { ROOT } from './helpers.js';

const pkg = (p: string) => join(ROOT, 'pkg', p);

function bb(args: string[], input?: string | Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(BUSYBOX, args, { input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pkg/sysctl: /usr/bin/sysctl', () => {
  const script = pkg('sysctl/usr/bin/sysctl');

  it('writes KEY = VALUE lines to the sysctl tree, warns about the others with file:line', () => {
    const dir = tempDir('sysctl');
    const conf = join(dir, 'conf');
    const sys = join(dir, 'sys');
    mkdirSync(conf);
    for (const d of ['vm', 'net/ipv4']) mkdirSync(join(sys, d), { recursive: true });
    for (const f of ['vm/max_map_count', 'net/ipv4/ping_group_range']) writeFileSync(join(sys, f), '');
    writeFileSync(join(conf, '10-b.conf'), '# comment\n; other comment\n\n  vm.max_map_count = 262144  \nnet/ipv4/ping_group_range=999 59999\n');
    writeFileSync(join(conf, '20-c.conf'), 'no equals sign\na = b = c\nkernel.missing = 1');
    const r = bb(['sh', script, '-configDir', conf, `-sysctlDir=${sys}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(sys, 'vm/max_map_count'), 'utf8'), '262144');
    assert.equal(readFileSync(join(sys, 'net/ipv4/ping_group_range'), 'utf8'), '999 59999');
    assert.match(r.stderr, /20-c\.conf:1: cannot parse 'no equals sign'/);
    assert.match(r.stderr, /20-c\.conf:2: cannot parse 'a = b = c'/);
    assert.match(r.stderr, /20-c\.conf:3: cannot write '1' to .*\/kernel\/missing/);
    assert.match(r.stdout, /^sysctl: 2 settings applied from .*conf, 3 not$/m);
  });

  it("ships LinuxKit's defaults, every line parseable", () => {
    const text = readFileSync(pkg('sysctl/etc/sysctl.d/00-linuxkit.conf'), 'utf8');
    const settings = text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    assert.equal(settings.length, 25);
    for (const l of settings) assert.match(l, /^[a-z0-9_.-]+ = \S.*$/, l);
  });

  it('rejects unknown flags and a missing directory', () => {
    assert.equal(bb(['sh', script, '-bogus']).status, 2);
    const r = bb(['sh', script, '-configDir', '/nonexistent']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read directory \/nonexistent/);
  });
});

describe('pkg/metadata: expand.awk (JSON user data to files)', () => {
  const lib = pkg('metadata/usr/lib/metadata');
  const expand = (json: string) => {
    const base = tempDir('metadata');
    const r = bb(['awk', '-v', `base=${base}`, '-f', join(lib, 'json.awk'), '-f', join(lib, 'expand.awk')], json);
    assert.equal(r.status, 0, r.stderr);
    return { base, out: r.stdout };
  };
  const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);

  it('makes directories and files with their modes (group/other write removed, as umask 022)', () => {
    const { base, out } = expand(
      JSON.stringify({
        ssh: { perm: '0700', entries: { authorized_keys: { perm: '0600', content: 'ssh-ed25519 AAAA me\n' } } },
        hostname: { content: 'vm1' },
        wide: { perm: '0666', content: '' },
        empty: { entries: {} },
      }),
    );
    assert.equal(out, '');
    assert.equal(readFileSync(join(base, 'ssh/authorized_keys'), 'utf8'), 'ssh-ed25519 AAAA me\n');
    assert.equal(mode(join(base, 'ssh')), '700');
    assert.equal(mode(join(base, 'ssh/authorized_keys')), '600');
    assert.equal(readFileSync(join(base, 'hostname'), 'utf8'), 'vm1');
    assert.equal(mode(join(base, 'hostname')), '644');
    assert.equal(mode(join(base, 'wide')), '644');
    assert.ok(statSync(join(base, 'empty')).isDirectory());
    assert.equal(mode(join(base, 'empty')), '755');
  });

  it('decodes every string escape, \\u and surrogate pairs as UTF-8', () => {
    const { base } = expand('{"f": {"content": "a\\"b\\\\c\\/d\\n\\tcaf\\u00e9 \\u20ac \\ud83d\\ude00 it\'s"}}');
    assert.equal(readFileSync(join(base, 'f'), 'utf8'), 'a"b\\c/d\n\tcafé € 😀 it\'s');
  });

  it('skips invalid entries and names that leave the directory, with a message', () => {
    const { base, out } = expand(
      '{"both": {"content": "x", "entries": {}}, "up": {"entries": {"../../escaped": {"content": "no"}}}, "bad": {"perm": "9", "content": "x"}}',
    );
    assert.match(out, /both is invalid/);
    assert.match(out, /escaped: a name that leaves the directory, skipped/);
    assert.match(out, /bad: bad permission 9, skipped/);
    assert.ok(!existsSync(join(base, 'both')));
    assert.ok(!existsSync(join(base, '..', 'escaped')));
    assert.ok(!existsSync(join(base, 'bad')));
  });

  it('makes no file from data that is not JSON, not an object, or has a field of the wrong type', () => {
    for (const [data, msg] of [
      ['#cloud-config\nhostname: x\n', /is not JSON/],
      ['{"a": {"content": "x"}', /is not JSON/],
      ['["a"]', /not an object/],
      ['{"a": {"content": 1}}', /not a LinuxKit entry tree/],
      ['{"a": {"entries": {"b": "text"}}}', /not a LinuxKit entry tree/],
    ] as const) {
      const { base, out } = expand(data);
      assert.match(out, msg, data);
      assert.ok(!existsSync(join(base, 'a')), data);
    }
  });
});

describe('pkg/mount: partitions.awk (Linux partitions of a disk)', () => {
  const awk = pkg('mount/usr/lib/mountie/partitions.awk');
  const partitions = (sectors: Buffer) => {
    const hex = [...sectors].map((b) => b.toString(16).padStart(2, '0')).join('\n') + '\n';
    return bb(['awk', '-f', awk], hex).stdout.trim().split('\n').filter(Boolean);
  };
  const disk = () => {
    const b = Buffer.alloc(34 * 512);
    b[510] = 0x55;
    b[511] = 0xaa;
    return b;
  };

  it('lists DOS partitions of type 83', () => {
    const b = disk();
    b[446 + 4] = 0x82; // swap
    b[446 + 16 + 4] = 0x83;
    b[446 + 48 + 4] = 0x83;
    assert.deepEqual(partitions(b), ['2', '4']);
  });

  it('lists GPT "Linux filesystem" partitions behind a protective MBR', () => {
    const b = disk();
    b[446 + 4] = 0xee;
    b.write('EFI PART', 512, 'latin1');
    // 0FC63DAF-8483-4772-8E79-3D69D8477DE4, stored mixed-endian
    const linux = Buffer.from('af3dc60f838472478e793d69d8477de4', 'hex');
    linux.copy(b, 1024 + 128 * 0);
    Buffer.from('c12a7328f81f11d2ba4b00a0c93ec93b', 'hex').copy(b, 1024 + 128 * 1); // EFI system
    linux.copy(b, 1024 + 128 * 2);
    assert.deepEqual(partitions(b), ['1', '3']);
  });

  it('finds nothing on a blank disk', () => {
    assert.deepEqual(partitions(Buffer.alloc(34 * 512)), []);
  });
});

describe('pkg/format, pkg/mount, pkg/rngd, pkg/metadata: bad command lines', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['format/usr/bin/format', ['-bogus'], /flag provided but not defined: -bogus/],
    ['format/usr/bin/format', ['-type', 'btrfs'], /btrfs is not implemented here/],
    ['format/usr/bin/format', ['-partition=mac'], /Unsupported partition table type: mac/],
    ['format/usr/bin/format', ['-force=maybe'], /bad boolean value maybe/],
    ['format/usr/bin/format', ['/dev/a', '/dev/b'], /Too many arguments provided/],
    ['format/usr/bin/format', ['/nonexistent'], /\/nonexistent does not exist/],
    ['format/usr/bin/format', ['/etc/hostname'], /\/etc\/hostname is not a block device/],
    ['mount/usr/bin/mountie', [], /No mountpoints provided/],
    ['mount/usr/bin/mountie', ['a', 'b', 'c'], /Too many arguments/],
    ['mount/usr/bin/mountie', ['-label'], /flag needs an argument: -label/],
    ['rngd/sbin/rngd', ['-x'], /unknown argument -x/],
    ['metadata/usr/bin/metadata', ['cdrom', 'nosuch'], /Unrecognised metadata provider: nosuch/],
  ];
  for (const [script, args, msg] of cases) {
    it(`${script.split('/').pop()} ${args.join(' ')}`, () => {
      const r = bb(['sh', pkg(script), ...args]);
      assert.notEqual(r.status, 0);
      assert.match(r.stdout + r.stderr, msg);
    });
  }
});
