// The config step: parsing every field, merging, dry-run output and each validation error with
// its message, line and column.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UserError, UserErrors } from '../util/index.js';
import { configToYaml, loadConfigs, loadConfigText, sourcePos } from './index.js';
import { compareKeys, scalar } from './yaml-emit.js';

const dir = mkdtempSync(join(tmpdir(), 'lkts-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** The errors a load throws, as "line:col: message" (file name dropped). */
async function errorsOf(text: string): Promise<string[]> {
  try {
    await loadConfigText(text, 'a.yml');
  } catch (err) {
    if (err instanceof UserErrors) return err.errors.map(show);
    if (err instanceof UserError) return [show(err)];
    throw err;
  }
  return [];
}
function show(e: UserError): string {
  assert.ok(e.pos, `error without position: ${e.message}`);
  assert.equal(e.pos.file, 'a.yml');
  return e.message.replace(/^a\.yml:/, '');
}

const FULL = `kernel:
  image: linuxkit/kernel:6.12.59
  cmdline: "console=ttyS0"
  binary: bzImage
  tar: none
  ucode: intel-ucode.cpio
init:
  - linuxkit/init:abc
onboot:
  - name: netns
    image: linuxkit/ip:1
    net: new
    runtime:
      cgroups: [a, b]
      mounts:
        - {type: bind, source: /x, destination: /y, options: [rbind], uidmappings: [{containerID: 0, hostID: 100, size: 1}]}
      mkdir: [/run/x]
      interfaces:
        - {name: wg0, add: wireguard, createInRoot: true, peer: p}
      bindNS: {net: /run/netns/wg, cgroup: /c, ipc: /i, mnt: /m, pid: /p, user: /u, uts: /t}
      namespace: ns
onshutdown:
  - name: bye
    image: busybox:latest
services:
  - name: svc
    image: docker.io/library/nginx:1.19@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    capabilities: [CAP_NET_BIND_SERVICE]
    capabilities.add: [CAP_CHOWN]
    ambient: [CAP_SYS_ADMIN]
    mounts:
      - {type: tmpfs, destination: /tmp, options: [size=1m]}
    binds: ["/etc/resolv.conf:/etc/resolv.conf", "data:/data:ro"]
    binds.add: ["/var:/var"]
    devices:
      - {path: /dev/console, type: c, major: 5, minor: 1, mode: "0666"}
      - {path: all, type: b}
    tmpfs: ["/run:size=10m"]
    command: [nginx, -g, "daemon off;"]
    env: [A=1]
    cwd: /srv
    pid: host
    ipc: new
    uts: new
    userns: new
    hostname: web
    readonly: true
    maskedPaths: [/proc/kcore]
    readonlyPaths: [/proc/sys]
    uid: bye
    gid: 100
    additionalGids: [1, netns]
    noNewPrivileges: true
    oomScoreAdj: -500
    rootfsPropagation: shared
    cgroupsPath: /web
    resources:
      memory: {limit: 1000, disableOOMKiller: true}
      cpu: {shares: 2, cpus: "0-1"}
      pids: {limit: 10}
      blockio: {weight: 10}
      hugepageLimits: [{pageSize: 2MB, limit: 0}]
      network: {classID: 1, priorities: [{name: eth0, priority: 1}]}
      devices: [{allow: false, access: rwm}]
    sysctl: {net.ipv4.ip_forward: "1"}
    rlimits: ["nofile,1024,unlimited"]
    uidMappings: [{containerID: 0, hostID: 1000, size: 10}]
    gidMappings: [{containerID: 0, hostID: 1000, size: 10}]
    annotations: {b: "2", a: "1"}
files:
  - {path: etc/a, contents: "x\\n", mode: "0644", uid: svc, gid: 0}
  - {path: etc/b, source: ~/b, optional: true}
  - {path: etc/c, symlink: /etc/a}
  - {path: etc/d, directory: true, mode: "0755"}
  - {path: etc/e, metadata: json}
volumes:
  - {name: data, image: alpine:3.20, readonly: true, format: oci, platforms: [linux/amd64]}
`;

describe('config: parsing', () => {
  it('reads every field of the format', async () => {
    const c = await loadConfigText(FULL, 'a.yml');
    assert.deepEqual(c.kernel, { image: 'linuxkit/kernel:6.12.59', cmdline: 'console=ttyS0', binary: 'bzImage', tar: 'none', ucode: 'intel-ucode.cpio' });
    assert.deepEqual(c.init, ['linuxkit/init:abc']);
    const rt = c.onboot![0]!.runtime!;
    assert.deepEqual(rt.mounts![0]!.uidmappings, [{ containerID: 0, hostID: 100, size: 1 }]);
    assert.equal(rt.interfaces![0]!.createInRoot, true);
    assert.equal(rt.bindNS!.net, '/run/netns/wg');
    assert.equal(rt.namespace, 'ns');
    const s = c.services![0]!;
    assert.deepEqual(s['capabilities.add'], ['CAP_CHOWN']);
    assert.deepEqual(s['binds.add'], ['/var:/var']);
    assert.equal(s.devices![0]!.mode, '0666');
    assert.equal(s.uid, 'bye');
    assert.deepEqual(s.additionalGids, [1, 'netns']);
    assert.equal(s.oomScoreAdj, -500);
    assert.equal(s.resources!.memory!.disableOOMKiller, true);
    assert.equal(s.resources!.hugepageLimits![0]!.pageSize, '2MB');
    assert.deepEqual(s.sysctl, { 'net.ipv4.ip_forward': '1' });
    assert.deepEqual(s.uidMappings, [{ containerID: 0, hostID: 1000, size: 10 }]);
    assert.equal(c.files![0]!.contents, 'x\n');
    assert.equal(c.files![4]!.metadata, 'json');
    assert.deepEqual(c.volumes![0], { name: 'data', image: 'alpine:3.20', readonly: true, format: 'oci', platforms: ['linux/amd64'] });
  });

  it('keeps source positions for later stages', async () => {
    const c = await loadConfigText(FULL, 'a.yml');
    assert.deepEqual(sourcePos(c.files![1]!, 'source'), { file: 'a.yml', line: 72, col: 27 });
    assert.deepEqual(sourcePos(c.services![0]!), { file: 'a.yml', line: 26, col: 5 });
    assert.deepEqual(sourcePos(c.init!, 0), { file: 'a.yml', line: 8, col: 5 });
  });

  it('accepts the obsolete trust: key and drops it, as LinuxKit', async () => {
    const c = await loadConfigText('trust:\n  org: [linuxkit]\ninit: [a/b:c]\n', 'a.yml');
    assert.deepEqual(Object.keys(c), ['init']);
  });

  it('follows YAML anchors and merge keys', async () => {
    const c = await loadConfigText('x: &d\n', 'a.yml').catch((e: Error) => e);
    assert.ok(c instanceof UserError);
    const ok = await loadConfigText('services:\n  - &base {name: a, image: a:1, env: [X=1]}\n  - <<: *base\n    name: b\n', 'a.yml');
    assert.deepEqual(ok.services![1], { name: 'b', image: 'a:1', env: ['X=1'] });
  });

  it('refuses an empty file, a comment-only file and ~, as LinuxKit does', async () => {
    for (const text of ['', '# nothing\n', '~\n']) {
      await assert.rejects(
        loadConfigText(text, 'a.yml'),
        (e: Error) => e instanceof UserError && /^a\.yml:1:1: the file (is empty|holds only null)/.test(e.message),
      );
    }
    assert.deepEqual(await loadConfigText('{}\n', 'a.yml'), {});
  });
});

describe('config: merging (AppendConfig)', () => {
  it('overrides kernel fields that are set and appends the lists', async () => {
    const a = file(
      'a.yml',
      'kernel:\n  image: k:1\n  cmdline: one\n  tar: kernel.tar\ninit: [i:1]\nonboot: [{name: x, image: x:1}]\nfiles: [{path: a, contents: a}]\nvolumes: [{name: v}]\n',
    );
    const b = file(
      'b.yml',
      'kernel:\n  cmdline: two\n  tar: ""\ninit: [i:2]\nonboot: [{name: x, image: x:2}]\nservices: [{name: s, image: s:1}]\nfiles: [{path: b, contents: b}]\n',
    );
    const c = await loadConfigs([a, b]);
    assert.deepEqual(c.kernel, { image: 'k:1', cmdline: 'two', tar: '' });
    assert.deepEqual(c.init, ['i:1', 'i:2']);
    assert.deepEqual(
      c.onboot!.map((e) => e.image),
      ['x:1', 'x:2'],
    );
    assert.deepEqual(
      c.files!.map((f) => f.path),
      ['a', 'b'],
    );
    assert.equal(c.services!.length, 1);
    assert.equal(sourcePos(c.kernel!, 'cmdline')!.file, b);
    assert.equal(sourcePos(c.kernel!, 'image')!.file, a);
    assert.equal(sourcePos(c.init!, 1)!.file, b);
  });

  it('rejects a service name repeated in another file, pointing at both', async () => {
    const a = file('s1.yml', 'services:\n  - name: getty\n    image: g:1\n');
    const b = file('s2.yml', 'services:\n  - name: other\n    image: o:1\n  - name: getty\n    image: g:2\n');
    await assert.rejects(loadConfigs([a, b]), (e: UserError) => {
      assert.equal(e.message, `${b}:4:11: services[1].name: duplicate service name "getty" (first at ${a}:2:11)`);
      return true;
    });
  });

  it('lets a bind name a volume defined in another file', async () => {
    const a = file('v1.yml', 'volumes: [{name: data}]\n');
    const b = file('v2.yml', 'services: [{name: s, image: s:1, binds: ["data:/data"]}]\n');
    await loadConfigs([a, b]);
  });

  it('resolves @pkg: templates in local files through the injected resolver', async () => {
    const a = file('t.yml', 'onboot:\n  - name: x\n    image: "@pkg:./pkg/x"\n');
    const c = await loadConfigs([a], { resolvePackage: async (d) => `linuxkit/${d.split('/').pop()}:abc` });
    assert.equal(c.onboot![0]!.image, 'linuxkit/x:abc');
    await assert.rejects(loadConfigs([a]), /t\.yml:3:12: onboot\[0\]\.image: cannot resolve "@pkg:\.\/pkg\/x": templates need pkg show-tag, not available yet/);
    await assert.rejects(
      loadConfigs(['-'], { stdin: 'onboot:\n  - name: x\n    image: "@pkg:./x"\n' }),
      /<stdin>:3:12: onboot\[0\]\.image: "@pkg:\.\/x": @pkg: templates are resolved only in local files/,
    );
  });
});

describe('config: validation errors (message, line, column)', () => {
  const cases: Array<[string, string, string[]]> = [
    [
      'unknown top-level field',
      'unknownField: abc\ninit: []\n',
      ['1:1: unknown field "unknownField" (expected one of: kernel, init, onboot, onshutdown, services, files, volumes, trust)'],
    ],
    [
      'misspelt field, with a hint',
      'onboot:\n  - name: a\n    image: a:1\n    capabilitie: [CAP_CHOWN]\n',
      [
        '4:5: onboot[0]: unknown field "capabilitie" (did you mean "capabilities"?) (expected one of: name, image, capabilities, capabilities.add, ambient, mounts, binds, binds.add, devices, tmpfs, command, env, cwd, net, pid, ipc, uts, userns, hostname, readonly, maskedPaths, readonlyPaths, uid, gid, additionalGids, noNewPrivileges, oomScoreAdj, rootfsPropagation, cgroupsPath, resources, sysctl, rlimits, uidMappings, gidMappings, annotations, runtime)',
      ],
    ],
    [
      'wrong type in a list',
      'services:\n  - name: a\n    image: a:1\n  - name: b\n    image: b:1\n    capabilities:\n      - 7\n',
      ['7:9: services[1].capabilities[0]: expected a string, got 7'],
    ],
    ['missing required field', 'services:\n  - name: a\n', ['2:5: services[0]: missing required field "image"']],
    [
      'uid neither string nor integer',
      'services:\n  - {name: a, image: a:1, uid: true}\n',
      ['2:32: services[0].uid: expected a string or an integer, got true'],
    ],
    [
      'unquoted octal mode',
      'files:\n  - path: a\n    contents: x\n    mode: 0644\n',
      ['4:11: files[0].mode: expected a string, got 644 (quote octal modes: "0644")'],
    ],
    ['volume format enum', 'volumes:\n  - name: v\n    format: tar\n', ['3:13: volumes[0].format: expected one of: oci, filesystem, got "tar"']],
    ['metadata other than yaml/json', 'files:\n  - path: a\n    metadata: toml\n', ['3:15: files[0].metadata: expected one of: yaml, json, got "toml"']],
    [
      'duplicate service names',
      'services:\n  - {name: a, image: a:1}\n  - {name: a, image: a:2}\n',
      ['3:12: services[1].name: duplicate service name "a" (first at a.yml:2:12)'],
    ],
    ['invalid volume name', 'volumes:\n  - name: Data\n', ['2:11: volumes[0].name: invalid volume name "Data": use only a-z, 0-9, - and _']],
    ['duplicate volume names', 'volumes:\n  - name: d\n  - name: d\n', ['3:11: volumes[1].name: duplicate volume name "d" (first at a.yml:2:11)']],
    [
      'unknown capability',
      'onboot:\n  - name: a\n    image: a:1\n    capabilities: [CAP_SYS_ADMIN, sys_admin, CAP_FROB]\n',
      [
        '4:35: onboot[0].capabilities[1]: unknown capability "sys_admin" (did you mean "CAP_SYS_ADMIN"?): use the CAP_ names of capabilities(7), or "all"/"none" alone',
        '4:46: onboot[0].capabilities[2]: unknown capability "CAP_FROB": use the CAP_ names of capabilities(7), or "all"/"none" alone',
      ],
    ],
    [
      'all must be alone',
      'onboot:\n  - {name: a, image: a:1, capabilities: [all, CAP_CHOWN]}\n',
      ['2:42: onboot[0].capabilities[0]: "all" must be the only item of capabilities'],
    ],
    ['bad file mode', 'files:\n  - {path: a, contents: x, mode: "0999"}\n', ['2:34: files[0].mode: mode "0999" is not an octal number (e.g. "0644")']],
    [
      'bad device mode',
      'services:\n  - name: a\n    image: a:1\n    devices:\n      - {path: /dev/x, type: c, major: 1, minor: 1, mode: rw}\n',
      ['5:59: services[0].devices[0].mode: mode "rw" is not an octal number (e.g. "0644")'],
    ],
    [
      'device without mode',
      'services:\n  - name: a\n    image: a:1\n    devices:\n      - {path: /dev/x, type: c, major: 1, minor: 1}\n',
      ['5:9: services[0].devices[0]: a device needs a mode, e.g. mode: "0666"'],
    ],
    [
      'relative bind destination',
      'services:\n  - name: a\n    image: a:1\n    binds:\n      - /etc:etc\n',
      ['5:9: services[0].binds[0]: bind destination "etc" must be an absolute path'],
    ],
    [
      'bind to a missing volume',
      'services:\n  - name: a\n    image: a:1\n    binds.add:\n      - data:/data\n',
      ['5:9: services[0].binds.add[0]: bind source "data" is not an absolute path, so it names a volume, but there is no volume "data"'],
    ],
    [
      'read-write bind of a read-only volume',
      'volumes: [{name: d, readonly: true}]\nservices:\n  - name: a\n    image: a:1\n    binds: ["d:/d"]\n',
      ['5:13: services[0].binds[0]: volume "d" is read-only: bind it with the option ro ("d:/d:ro")'],
    ],
    [
      'bind mount of a missing volume',
      'onboot:\n  - name: a\n    image: a:1\n    mounts:\n      - {type: bind, source: vol, destination: /v}\n',
      ['5:30: onboot[0].mounts[0].source: bind mount source "vol" is not an absolute path, so it names a volume, but there is no volume "vol"'],
    ],
    [
      'bind with too many colons',
      'services:\n  - {name: a, image: a:1, binds: ["/a:/b:ro:x"]}\n',
      ['2:35: services[0].binds[0]: cannot parse bind "/a:/b:ro:x": too many \':\''],
    ],
    [
      'mount without a type',
      'services:\n  - name: a\n    image: a:1\n    mounts:\n      - {source: /x, destination: /y}\n',
      ['5:9: services[0].mounts[0]: mount has no type (give type:, e.g. bind or tmpfs)'],
    ],
    [
      'relative bind source that is not a volume',
      'services:\n  - {name: a, image: a:1, binds: [":/b"]}\n',
      ['2:35: services[0].binds[0]: bind "' + ':/b" has an empty source (an absolute path, or a volume name)'],
    ],
    [
      'uid naming no container',
      'services:\n  - {name: a, image: a:1, uid: nobody}\nfiles:\n  - {path: x, contents: y, gid: ghost}\n',
      [
        '2:32: services[0].uid: "nobody" names no container (a uid/gid name means the id allocated to the onboot, onshutdown or service of that name)',
        '4:33: files[0].gid: "ghost" names no container (a uid/gid name means the id allocated to the onboot, onshutdown or service of that name)',
      ],
    ],
    [
      'additionalGids naming no container',
      'onboot:\n  - name: a\n    image: a:1\n    additionalGids: [a, b]\n',
      ['4:25: onboot[0].additionalGids[1]: "b" names no container (a uid/gid name means the id allocated to the onboot, onshutdown or service of that name)'],
    ],
    [
      'file with two kinds of content',
      'files:\n  - path: a\n    contents: x\n    source: /etc/hosts\n',
      ['4:13: files[0].source: give only one of contents, source, symlink, directory, metadata (this entry has contents and source)'],
    ],
    [
      'file with nothing to write',
      'files:\n  - path: a\n    mode: "0600"\n',
      ['2:5: files[0]: nothing to write at "a": give one of contents, source, symlink, directory: true, metadata'],
    ],
    [
      'bad image references',
      'kernel:\n  image: "linuxkit/Kernel:6"\ninit:\n  - "foo bar"\nonboot:\n  - {name: a, image: "a:b:c"}\n',
      [
        '2:10: kernel.image: invalid reference "linuxkit/Kernel:6": repository name must be lowercase ([registry/]path[:tag][@sha256:digest])',
        '4:5: init[0]: invalid reference "foo bar": invalid reference format ([registry/]path[:tag][@sha256:digest])',
        '6:22: onboot[0].image: invalid reference "a:b:c": invalid reference format ([registry/]path[:tag][@sha256:digest])',
      ],
    ],
    [
      'bad rlimit',
      'services:\n  - {name: a, image: a:1, rlimits: ["nofile,10", "bogus,1,2"]}\n',
      [
        '2:37: services[0].rlimits[0]: cannot parse rlimit "nofile,10": expected name,soft,hard (e.g. nofile,1024,4096)',
        '2:50: services[0].rlimits[1]: unknown rlimit "bogus"',
      ],
    ],
    [
      'container name with a slash',
      'onboot:\n  - {name: ../x, image: a:1}\n',
      ['2:12: onboot[0].name: "../x" cannot be a container name: it becomes a directory name under containers/'],
    ],
    ['YAML syntax error', 'services:\n  - name: a\n   image: b\n', ['3:1: Sequence item without - indicator']],
    ['duplicate key', 'kernel:\n  image: a:1\n  image: b:1\n', ['3:3: Map keys must be unique']],
    ['an alias with no anchor', 'init: [a:1]\nonboot: *nope\n', ['2:9: unknown alias *nope: no anchor &nope before it']],
    ['a list at the top level', '- a\n', ['1:1: expected a mapping (key: value), got a list']],
    [
      'a second document',
      'init: []\n---\ninit: []\n',
      ['2:1: a configuration file holds one YAML document; this is a second one (LinuxKit would silently ignore it)'],
    ],
  ];
  for (const [name, text, expected] of cases) {
    it(name, async () => {
      assert.deepEqual(await errorsOf(text), expected);
    });
  }

  it('allows repeated onboot names, as LinuxKit (directories are numbered)', async () => {
    assert.deepEqual(await errorsOf('onboot:\n  - {name: a, image: a:1}\n  - {name: a, image: a:1}\n'), []);
  });

  it('reports every schema error of a file at once', async () => {
    const errs = await errorsOf('kernel:\n  imag: x\nservices:\n  - name: 1\n    image: a:1\n');
    assert.equal(errs.length, 2);
    assert.match(errs[0]!, /^2:3: kernel: unknown field "imag"/);
    assert.match(errs[1]!, /^4:11: services\[0\]\.name: expected a string, got 1/);
  });
});

describe('config: dry-run YAML', () => {
  it('prints the merged config as LinuxKit does (yaml.v3 layout, struct order, omitempty)', async () => {
    const c = await loadConfigText(
      'services:\n  - name: s\n    image: s:1\n    sysctl: {b: "1", a10: x, a2: y}\n    capabilities: []\n    net: ""\n    readonly: false\nfiles:\n  - path: etc/x\n    contents: |\n      one\n      two\n    mode: "0644"\n',
      'a.yml',
    );
    assert.equal(
      configToYaml(c),
      [
        'kernel:',
        '    image: ""',
        'init: []',
        'onboot: []',
        'onshutdown: []',
        'services:',
        '    - name: s',
        '      image: s:1',
        '      capabilities: []',
        '      readonly: false',
        '      sysctl:',
        '        a2: "y"',
        '        a10: x',
        '        b: "1"',
        'files:',
        '    - path: etc/x',
        '      directory: false',
        '      contents: |',
        '        one',
        '        two',
        '      optional: false',
        '      mode: "0644"',
        'volumes: []',
        '',
      ].join('\n'),
    );
  });

  it('round-trips: the dry-run output loads back to the same config', async () => {
    const c = await loadConfigText(FULL, 'a.yml');
    const again = await loadConfigText(configToYaml(c), 'b.yml');
    assert.equal(configToYaml(again), configToYaml(c));
  });

  const scalars: Array<[unknown, string]> = [
    ['plain', 'plain'],
    ['', '""'],
    ['-1', '"-1"'],
    ['0666', '"0666"'],
    ['yes', '"yes"'],
    ['n', '"n"'],
    ['null', '"null"'],
    ['1.5', '"1.5"'],
    ['1:20', '"1:20"'],
    ['2001-12-14', '"2001-12-14"'],
    ['@pkg:x', "'@pkg:x'"],
    ['a: b', "'a: b'"],
    ['*', "'*'"],
    [' x', "' x'"],
    ['x:', "'x:'"],
    ['a #b', "'a #b'"],
    ['--x', '--x'],
    ['a\tb', '"a\\tb"'],
    ["it's", "it's"],
    ["'a", "'''a'"],
    ['12.5.3', '12.5.3'],
    ['NaN', 'NaN'],
    ['.nan', '".nan"'],
    [5, '5'],
    [true, 'true'],
  ];
  for (const [v, out] of scalars) {
    it(`writes ${JSON.stringify(v)} as ${out} (as yaml.v3)`, () => assert.equal(scalar(v), out));
  }

  it('sorts map keys as yaml.v3', () => {
    const keys = ['b', 'a10', 'a2', 'A', '_', 'a.b', 'a_b', '1', '10', '9', 'a-b', 'aB', 'ab'];
    assert.deepEqual(keys.sort(compareKeys), ['_', '1', '9', '10', 'A', 'a-b', 'a.b', 'a_b', 'a2', 'a10', 'aB', 'ab', 'b']);
  });
});

describe('config: image labels (org.mobyproject.config)', () => {
  it('parses a valid label', async () => {
    const { parseImageLabel } = await import('./index.js');
    const l = parseImageLabel('{"capabilities":["CAP_SYS_ADMIN"],"binds":["/dev:/dev"],"net":"host"}', 'linuxkit/x:1');
    assert.deepEqual(l.capabilities, ['CAP_SYS_ADMIN']);
  });
  const bad: Array<[string, string]> = [
    ['[1]', 'linuxkit/x:1: invalid org.mobyproject.config label: expected a mapping (JSON object) of container settings'],
    ['{"name":"x"}', 'linuxkit/x:1: invalid org.mobyproject.config label: name cannot be set in a label'],
    ['{"capabilities":[1]}', 'linuxkit/x:1: invalid org.mobyproject.config label: capabilities[0]: expected a string, got 1'],
    ['{"foo":1}', 'linuxkit/x:1: invalid org.mobyproject.config label: unknown field "foo"'],
    ['{"capabilities":["CAP_NOPE"]}', 'linuxkit/x:1: invalid org.mobyproject.config label: capabilities[0]: unknown capability "CAP_NOPE"'],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${text}`, async () => {
      const { parseImageLabel } = await import('./index.js');
      assert.throws(
        () => parseImageLabel(text, 'linuxkit/x:1'),
        (e: Error) => e.message.startsWith(message),
      );
    });
  }
});
