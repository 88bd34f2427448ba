// Table-driven tests of each rule of the spec step. Each group cites the LinuxKit code it follows
// (lk: = github.com/linuxkit/linuxkit at 3bf33c3a). Whole config.json/runtime.json bytes are
// checked against LinuxKit's own output in golden.test.ts; the deviations from LinuxKit listed
// in docs/compatibility/spec.md are tested here, with what LinuxKit does in a comment.
import { parseImageLabel } from '../config/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../util/index.js';
import type { Config, ImageEntry } from '../config/index.js';
import type { ImageRuntimeConfig } from '../oci/index.js';
import {
  ALL_CAPABILITIES,
  allocateIds,
  bundleLayout,
  bundlePath,
  capabilitySets,
  containerBundles,
  containerNamespaces,
  defaultMountpoint,
  idNumeric,
  layoutBundles,
  mergeLabelDefaults,
  normalizeResources,
  parseBind,
  parseDeviceMode,
  parseRlimit,
  parseTmpfs,
  resolveVolumes,
  specToJson,
  toOCISpec,
  volumeDirs,
} from './index.js';

const NO_IDS = new Map<string, number>();
const withLabel = (label: object | string, rest: ImageRuntimeConfig = {}): ImageRuntimeConfig => ({
  ...rest,
  Labels: { 'org.mobyproject.config': typeof label === 'string' ? label : JSON.stringify(label) },
});
const spec = (entry: Partial<ImageEntry>, image: ImageRuntimeConfig = {}, ids = NO_IDS) => toOCISpec({ name: 't', image: 'i', ...entry }, image, ids).spec;

// lk:src/cmd/linuxkit/moby/build/build.go:198-212 (ids from 100, onboot → onshutdown → services)
test('allocateIds: by container name, in build order, from 100; a repeated name takes the later id', () => {
  const config: Config = {
    onboot: [
      { name: 'a', image: 'x' },
      { name: 'b', image: 'x' },
    ],
    onshutdown: [{ name: 'c', image: 'x' }],
    services: [
      { name: 'd', image: 'x' },
      { name: 'a', image: 'x' },
    ],
  };
  assert.deepEqual(
    [...allocateIds(config)],
    [
      ['a', 104],
      ['b', 101],
      ['c', 102],
      ['d', 103],
    ],
  );
  assert.equal(allocateIds({}).size, 0);
});

// lk:moby/config.go:795-814 (IDNumeric); lk:moby/config_test.go:79 (TestIdMap)
test('idNumeric: absent, "" and root are 0; numbers as given; names looked up', () => {
  const ids = new Map([['test', 199]]);
  const table: Array<[number | string | undefined, number]> = [
    [undefined, 0],
    ['', 0],
    ['root', 0],
    [76, 76],
    [0, 0],
    [4294967295, 4294967295],
    ['test', 199],
  ];
  for (const [v, want] of table) assert.equal(idNumeric(v, ids), want, String(v));
  assert.throws(() => idNumeric('nobody', ids), /cannot find id: nobody/);
  // a numeric string is a name, as in LinuxKit
  assert.throws(() => idNumeric('1000', ids), /cannot find id: 1000/);
  // deviation: LinuxKit writes uint32(-1) = 4294967295
  assert.throws(() => idNumeric(-1, ids), UserError);
  assert.throws(() => idNumeric(2 ** 32, ids), UserError);
});

// lk:moby/config.go:450-514 (NewImage), lk:moby/schema.go (the image entry schema)
test('parseImageLabel (config) as the spec step uses it: JSON or YAML object, validated; name/image refused', () => {
  assert.deepEqual(parseImageLabel('{"net":"host","capabilities":["all"]}', 'x'), { net: 'host', capabilities: ['all'] });
  assert.deepEqual(parseImageLabel('pid: host\nreadonly: true\nuid: 100\n', 'x'), { pid: 'host', readonly: true, uid: 100 });
  assert.deepEqual(parseImageLabel('{}', 'x'), {});
  // The wording is config's (src/config/label.ts, tested there); here: each is refused, naming the image.
  const bad = [
    '["a"]',
    'null',
    '"text"',
    '{"name":"x"}',
    '{"image":"x"}',
    '{"capabilitiez":[]}',
    '{"capabilities":"CAP_X"}',
    '{"binds":null}',
    '{"readonly":"yes"}',
    '{"uid":1.5}',
    '{"devices":[{"path":"/dev/x","mode":438}]}',
    '{"mounts":[{"dest":"/x"}]}',
    '{"sysctl":{"a":1}}',
    '{"runtime":{"bindNS":{"time":"/x"}}}',
    '{"a": [}',
  ];
  for (const label of bad) {
    assert.throws(
      () => parseImageLabel(label, 'linuxkit/x:1'),
      (e: unknown) => e instanceof UserError && e.message.includes('linuxkit/x:1'),
      label,
    );
  }
});

// lk:moby/config.go:533-783 (assign* helpers) as used in ConfigToOCI
test('mergeLabelDefaults: YAML replaces label values, even with empty lists; "" keeps label strings', () => {
  const label = { binds: ['/a:/a'], env: ['A=1'], net: 'new', cwd: '/l', readonly: true, cgroupsPath: 'l', sysctl: { a: '1' } };
  assert.deepEqual(mergeLabelDefaults(label, {}), label);
  assert.deepEqual(mergeLabelDefaults(label, { binds: [], env: [], net: '', cwd: '', readonly: false, cgroupsPath: '', sysctl: {} }), {
    binds: [],
    env: [],
    net: 'new',
    cwd: '/l',
    readonly: false,
    cgroupsPath: '',
    sysctl: {},
  });
});

// lk:moby/config.go:879 and 989 (mergeStrings of label and `.add`, then YAML's plain field)
test('.add fields add to the label list, without duplicates; ignored beside the plain list and in labels, as LinuxKit', () => {
  const label = { capabilities: ['CAP_KILL', 'CAP_SYS_ADMIN'], binds: ['/a:/a'] };
  const m = mergeLabelDefaults(label, { 'capabilities.add': ['CAP_KILL', 'CAP_CHOWN'], 'binds.add': ['/b:/b'] });
  // deviation: LinuxKit's effective set is [CAP_KILL, CAP_SYS_ADMIN, CAP_KILL, CAP_CHOWN]
  assert.deepEqual(m.capabilities, ['CAP_KILL', 'CAP_SYS_ADMIN', 'CAP_CHOWN']);
  assert.deepEqual(m.binds, ['/a:/a', '/b:/b']);
  // with nothing in the label, .add is the list
  assert.deepEqual(mergeLabelDefaults({}, { 'binds.add': ['/b:/b'] }).binds, ['/b:/b']);
  // as LinuxKit: binds.add/capabilities.add are dropped when binds/capabilities are also in YAML
  assert.deepEqual(mergeLabelDefaults(label, { binds: ['/c:/c'], 'binds.add': ['/d:/d'] }).binds, ['/c:/c']);
  assert.deepEqual(mergeLabelDefaults(label, { capabilities: ['CAP_CHOWN'], 'capabilities.add': ['CAP_KILL'] }).capabilities, ['CAP_CHOWN']);
  // as LinuxKit: `.add` fields in a label are ignored
  assert.deepEqual(mergeLabelDefaults({ binds: ['/a:/a'], 'binds.add': ['/x:/x'] }, {}).binds, ['/a:/a']);
});

// lk:moby/config.go:717-747 (assignRuntime)
test('runtime block: merged field by field, bindNS namespace by namespace', () => {
  const m = mergeLabelDefaults(
    { runtime: { cgroups: ['l'], mkdir: ['/l'], bindNS: { net: '/l/net', pid: '/l/pid' }, namespace: 'l' } },
    { runtime: { mkdir: [], bindNS: { net: '/y/net' }, namespace: '' } },
  );
  assert.deepEqual(m.runtime, { cgroups: ['l'], mkdir: [], namespace: '', bindNS: { net: '/y/net', pid: '/l/pid' } });
});

// lk:moby/config.go:983-1024; lk:moby/config_test.go:23 (TestOverrides), :58 (TestInvalidCap)
test('capabilities: effective as requested; bounding/inheritable/permitted sorted union with ambient', () => {
  const c = capabilitySets(['CAP_SYS_ADMIN', 'CAP_CHOWN'], ['CAP_NET_RAW']);
  assert.deepEqual(c.effective, ['CAP_SYS_ADMIN', 'CAP_CHOWN']);
  assert.deepEqual(c.bounding, ['CAP_CHOWN', 'CAP_NET_RAW', 'CAP_SYS_ADMIN']);
  assert.deepEqual(c.inheritable, c.bounding);
  assert.deepEqual(c.permitted, c.bounding);
  assert.deepEqual(c.ambient, ['CAP_NET_RAW']);
  assert.equal(ALL_CAPABILITIES.length, 41);
  assert.deepEqual(capabilitySets(['All'], []).effective, ALL_CAPABILITIES);
  assert.deepEqual(capabilitySets(['NONE'], []).effective, []);
  assert.deepEqual(capabilitySets([], ['all']).ambient, ALL_CAPABILITIES);
  assert.throws(() => capabilitySets(['NOT_A_CAP'], []), /unknown capability: NOT_A_CAP/);
  assert.throws(() => capabilitySets(['sys_admin'], []), /unknown capability: sys_admin/);
  // deviation: LinuxKit fails with "unknown capability: all" when `all` is not alone
  assert.deepEqual(capabilitySets(['all', 'CAP_KILL'], []).effective, ALL_CAPABILITIES);
  assert.deepEqual(capabilitySets(['none', 'CAP_KILL'], []).effective, ['CAP_KILL']);
});

test('capabilities.add on top of a label [all] keeps all capabilities', () => {
  const s = spec({ 'capabilities.add': ['CAP_KILL'] }, withLabel({ capabilities: ['all'] }));
  assert.deepEqual(s.process?.capabilities?.effective, ALL_CAPABILITIES);
});

// lk:moby/config.go:847-866 (default mounts), 516-531 (defaultMountpoint)
test('defaultMountpoint', () => {
  const table: Array<[string, string]> = [
    ['proc', '/proc'],
    ['devpts', '/dev/pts'],
    ['sysfs', '/sys'],
    ['cgroup', '/sys/fs/cgroup'],
    ['mqueue', '/dev/mqueue'],
    ['tmpfs', ''],
    ['bind', ''],
  ];
  for (const [t, want] of table) assert.equal(defaultMountpoint(t), want, t);
});

// lk:moby/config.go:867-895 (tmpfs and binds)
test('tmpfs and bind strings', () => {
  assert.deepEqual(parseTmpfs('/run'), { destination: '/run', type: 'tmpfs', source: 'tmpfs' });
  assert.deepEqual(parseTmpfs('/tmp:size=1m,mode=1777'), { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=1777'] });
  assert.deepEqual(parseTmpfs('/x:'), { destination: '/x', type: 'tmpfs', source: 'tmpfs', options: [''] });
  assert.throws(() => parseTmpfs('/a:b:c'), /too many ':'/);
  assert.deepEqual(parseBind('/a:/b'), { destination: '/b', type: 'bind', source: '/a', options: ['rw', 'rbind', 'rshared'] });
  assert.deepEqual(parseBind('/a:/b:ro'), { destination: '/b', type: 'bind', source: '/a', options: ['ro', 'rbind'] });
  assert.deepEqual(parseBind('/a:/b:rshared,rbind'), { destination: '/b', type: 'bind', source: '/a', options: ['rshared', 'rbind', 'rbind'] });
  assert.throws(() => parseBind('/a'), /missing ':'/);
  assert.throws(() => parseBind('/a:/b:c:d'), /too many ':'/);
});

// lk:moby/config.go:896-924: a mount's uid/gid mappings are dropped by LinuxKit; kept here
test('mounts keep their id mappings (either spelling)', () => {
  const s = spec({ mounts: [{ type: 'bind', source: '/a', destination: '/b', uidmappings: [{ containerID: 0, hostID: 1000, size: 1 }] } as never] });
  const m = s.mounts?.find((x) => x.destination === '/b');
  assert.deepEqual(m?.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
});

// lk:moby/config.go:935-979
test('namespaces: defaults and each setting', () => {
  const types = (s: Parameters<typeof containerNamespaces>[0]) => containerNamespaces(s).map((n) => (n.path ? `${n.type}=${n.path}` : n.type));
  const table: Array<[Parameters<typeof containerNamespaces>[0], string[]]> = [
    [{}, ['pid', 'mount']],
    [{ net: 'host', ipc: 'host', uts: 'host', pid: 'host', userns: 'host' }, ['mount']],
    [{ net: 'root', pid: 'root' }, ['mount']],
    [{ net: 'new', ipc: 'new', uts: 'new', userns: 'new' }, ['network', 'ipc', 'uts', 'pid', 'user', 'mount']],
    [{ net: 'none' }, ['network', 'pid', 'mount']],
    [{ net: '/run/netns/x', pid: '/proc/1/ns/pid' }, ['network=/run/netns/x', 'pid=/proc/1/ns/pid', 'mount']],
    // "none" means new only for the network namespace; elsewhere it is a path
    [{ ipc: 'none' }, ['ipc=none', 'pid', 'mount']],
    [{ net: '', pid: '' }, ['pid', 'mount']],
  ];
  for (const [settings, want] of table) assert.deepEqual(types(settings), want, JSON.stringify(settings));
});

// lk:moby/config.go:1026-1084
test('rlimits', () => {
  const max = 18446744073709551615n;
  const table: Array<[string, string, bigint, bigint]> = [
    ['nofile,100,200', 'RLIMIT_NOFILE', 100n, 200n],
    [' RLIMIT_CORE , 0 , unlimited ', 'RLIMIT_CORE', 0n, max],
    ['memlock,UNLIMITED,Unlimited', 'RLIMIT_MEMLOCK', max, max],
    ['rttime,18446744073709551615,1', 'RLIMIT_RTTIME', max, 1n],
  ];
  for (const [s, type, soft, hard] of table) assert.deepEqual(parseRlimit(s), { type, soft, hard }, s);
  for (const name of [
    'cpu',
    'fsize',
    'data',
    'stack',
    'core',
    'rss',
    'nproc',
    'nofile',
    'memlock',
    'as',
    'locks',
    'sigpending',
    'msgqueue',
    'nice',
    'rtprio',
    'rttime',
  ]) {
    assert.equal(parseRlimit(`${name},1,1`).type, `RLIMIT_${name.toUpperCase()}`);
  }
  for (const bad of ['nofile,1', 'nofile', 'nofile,1,2,3', 'nofile,-1,2', 'nofile,18446744073709551616,1', 'nofile,1,0x10', 'bogus,1,1']) {
    assert.throws(() => parseRlimit(bad), UserError, bad);
  }
});

// lk:moby/config.go:1146-1205
test('devices: nodes with octal modes and matching cgroup rules; "all" only a rule', () => {
  assert.equal(parseDeviceMode('0666'), 0o666);
  assert.equal(parseDeviceMode('600'), 0o600);
  assert.equal(parseDeviceMode('+0644'), 0o644);
  for (const bad of [undefined, '', '0999', 'rw', '-1', '0o666']) assert.throws(() => parseDeviceMode(bad), UserError, String(bad));
  const s = spec({
    resources: { devices: [{ allow: false, access: 'rwm' }] },
    devices: [
      { path: 'all', type: 'b' },
      { path: '/dev/console', type: 'c', major: 5, minor: 1, mode: '0620' },
    ],
  });
  assert.deepEqual(s.linux?.devices, [{ path: '/dev/console', type: 'c', major: 5, minor: 1, fileMode: 0o620 }]);
  assert.deepEqual(s.linux?.resources?.devices, [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'b', access: 'rwm' },
    { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  ]);
});

// LinuxKit decodes `resources` with yaml.v3 into untagged Go structs: only lower-case keys match.
test('resources: OCI and lower-case spellings both work; unknown keys refused', () => {
  const r = normalizeResources({
    memory: { kernelTCP: 1, disableoomkiller: true, limit: 5 },
    blockio: { weight: 10, leafWeight: 5, weightDevice: [{ major: 8, minor: 0, weight: 1 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 4 }],
    cpu: { realtimeRuntime: 1, cpus: '0' },
    network: { classID: 7 },
    rdma: { mlx: { hcaHandles: 1 } },
    unified: { 'memory.high': '1G' },
  });
  assert.deepEqual(r, {
    memory: { kernelTCP: 1, disableOOMKiller: true, limit: 5 },
    blockIO: { weight: 10, leafWeight: 5, weightDevice: [{ major: 8, minor: 0, weight: 1 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 4 }],
    cpu: { realtimeRuntime: 1, cpus: '0' },
    network: { classID: 7 },
    rdma: { mlx: { hcaHandles: 1 } },
    unified: { 'memory.high': '1G' },
  });
  assert.throws(() => normalizeResources({ memory: { limitt: 1 } }), /unknown field "memory.limitt"/);
  assert.throws(() => normalizeResources({ pids: { limit: '5' } }), /pids.limit must be an integer/);
  assert.throws(() => normalizeResources({ blockio: {}, blockIO: {} }), /given twice/);
  const json = specToJson(spec({ resources: { memory: { kernelTCP: 1 } } }));
  assert.match(json, /"memory": \{\n {16}"kernelTCP": 1\n/);
});

// lk:moby/config.go:832-841, 1107-1190 (process, root, linux)
test('process: command/args, env, cwd precedence; image User ignored', () => {
  const image: ImageRuntimeConfig = { Entrypoint: ['/e'], Cmd: ['c'], Env: ['I=1'], WorkingDir: '/w', User: '1000' };
  const table: Array<[Partial<ImageEntry>, ImageRuntimeConfig, { args?: string[]; env?: string[]; cwd: string }]> = [
    [{}, {}, { args: [], env: [], cwd: '/' }],
    [{}, image, { args: ['/e', 'c'], env: ['I=1'], cwd: '/w' }],
    [{}, { Cmd: ['c'] }, { args: ['c'], env: [], cwd: '/' }],
    [{}, withLabel({ command: ['/l'], env: ['L=1'], cwd: '/l' }, image), { args: ['/l'], env: ['L=1'], cwd: '/l' }],
    [{ command: ['/y'], env: ['Y=1'], cwd: '/y' }, withLabel({ command: ['/l'] }, image), { args: ['/y'], env: ['Y=1'], cwd: '/y' }],
    [{ command: [], env: [] }, image, { args: [], env: [], cwd: '/w' }],
  ];
  for (const [entry, img, want] of table) {
    const p = spec(entry, img).process!;
    assert.deepEqual({ args: p.args, env: p.env, cwd: p.cwd }, want, JSON.stringify(entry));
    assert.deepEqual(p.user, { uid: 0, gid: 0, additionalGids: [] });
  }
});

test('uid, gid and additionalGids by name use the allocated ids', () => {
  const ids = new Map([
    ['getty', 102],
    ['dhcpcd', 100],
  ]);
  const p = spec({ uid: 'getty', gid: 'dhcpcd', additionalGids: [5, 'getty', 'root'] }, {}, ids).process!;
  assert.deepEqual(p.user, { uid: 102, gid: 100, additionalGids: [5, 102, 0] });
  assert.throws(() => spec({ uid: 'nobody' }), /failed to create OCI spec for t: cannot find id: nobody/);
});

// lk:moby/config.go:845-857, 1135-1138 and lk:moby/build/image.go:434-540
test('readonly: root readonly, /dev and /sys ro, and the bundle unpacks into rootfs', () => {
  const ro = spec({ readonly: true });
  assert.equal(ro.root?.readonly, true);
  assert.ok(ro.mounts?.find((m) => m.destination === '/dev')?.options?.includes('ro'));
  assert.ok(ro.mounts?.find((m) => m.destination === '/sys')?.options?.includes('ro'));
  assert.ok(ro.mounts?.find((m) => m.destination === '/sys/fs/cgroup')?.options?.includes('ro'));
  assert.ok(!ro.mounts?.find((m) => m.destination === '/proc')?.options?.includes('ro'));
  const rw = spec({});
  assert.equal(rw.root?.readonly, false);
  assert.ok(!rw.mounts?.find((m) => m.destination === '/dev')?.options?.includes('ro'));
  assert.equal(spec({ readonly: false }, withLabel({ readonly: true })).root?.readonly, false);
});

test('bundle layout: read-only, writable, and reusing an unpacked image', () => {
  const p = 'containers/services/x';
  assert.deepEqual(bundleLayout(p, true), {
    path: p,
    readonly: true,
    root: `${p}/rootfs`,
    extractTo: `${p}/rootfs`,
    mountpoints: [],
    rootfsMounts: [{ destination: `/${p}/rootfs`, source: `/${p}/rootfs`, options: ['bind'] }],
  });
  const rw = bundleLayout(p, false);
  assert.equal(rw.extractTo, `${p}/lower`);
  assert.deepEqual(rw.mountpoints, [`${p}/tmp`, `${p}/rootfs`]);
  assert.deepEqual(rw.rootfsMounts[2]?.options, [`lowerdir=/${p}/lower`, `upperdir=/${p}/tmp/upper`, `workdir=/${p}/tmp/work`]);
  const shared = bundleLayout(p, true, 'containers/onboot/000-a/lower');
  assert.equal(shared.extractTo, undefined);
  assert.deepEqual(shared.mountpoints, [`${p}/rootfs`]);
  assert.equal(shared.rootfsMounts[0]?.source, '/containers/onboot/000-a/lower');

  const layouts = layoutBundles([
    { path: 'containers/onboot/000-a', ref: 'docker.io/r/x:1', readonly: false },
    { path: 'containers/onboot/001-b', ref: 'docker.io/r/y:1', readonly: true },
    { path: 'containers/services/c', ref: 'docker.io/r/x:1', readonly: true },
    { path: 'containers/services/d', ref: 'docker.io/r/y:1', readonly: false },
  ]);
  assert.deepEqual(
    layouts.map((l) => [l.extractTo, l.root]),
    [
      ['containers/onboot/000-a/lower', 'containers/onboot/000-a/lower'],
      ['containers/onboot/001-b/rootfs', 'containers/onboot/001-b/rootfs'],
      [undefined, 'containers/onboot/000-a/lower'],
      [undefined, 'containers/onboot/001-b/rootfs'],
    ],
  );
});

// lk:moby/build/build.go:121, 355 (bundle paths); lk:moby/config.go:268-282 (volume dirs)
test('bundle and volume paths', () => {
  assert.equal(bundlePath('onboot', 0, 'dhcpcd'), 'containers/onboot/000-dhcpcd');
  assert.equal(bundlePath('onshutdown', 12, 'x'), 'containers/onshutdown/012-x');
  assert.equal(bundlePath('services', 3, 'getty'), 'containers/services/getty');
  assert.deepEqual(volumeDirs('v'), {
    base: '/containers/volumes/v',
    lower: '/containers/volumes/v/lower',
    tmp: '/containers/volumes/v/tmp',
    merged: '/containers/volumes/v/merged',
  });
});

// lk:moby/build/volume.go
test('volumes: names in binds, binds.add and bind mounts become merged dirs; read-only enforced', () => {
  const volumes = [{ name: 'rw' }, { name: 'ro', readonly: true }];
  const e = resolveVolumes(
    {
      name: 'x',
      image: 'y',
      binds: ['rw:/data', '/abs:/abs', 'ro:/ro:ro'],
      'binds.add': ['rw:/more:rshared'],
      mounts: [
        { type: 'bind', source: 'ro', destination: '/m', options: ['rbind', 'ro'] },
        { type: 'tmpfs', destination: '/t' },
      ],
    },
    volumes,
  );
  assert.deepEqual(e.binds, ['/containers/volumes/rw/merged:/data', '/abs:/abs', '/containers/volumes/ro/merged:/ro:ro']);
  assert.deepEqual(e['binds.add'], ['/containers/volumes/rw/merged:/more:rshared']);
  // deviation: LinuxKit validates the mount but keeps the volume name as its source
  assert.equal(e.mounts?.[0]?.source, '/containers/volumes/ro/merged');
  assert.deepEqual(e.mounts?.[1], { type: 'tmpfs', destination: '/t' });
  const fails: Array<[Partial<ImageEntry>, RegExp]> = [
    [{ binds: ['nope:/x'] }, /volume nope not found/],
    [{ binds: ['ro:/x'] }, /read-only/],
    [{ binds: ['ro:/x:ro,rbind'] }, /read-only/],
    [{ mounts: [{ type: 'bind', source: 'ro', destination: '/m', options: ['rw', 'ro'] }] }, /read-only/],
    [{ mounts: [{ type: 'bind', source: 'ro', destination: '/m' }] }, /read-only/],
  ];
  for (const [entry, re] of fails) assert.throws(() => resolveVolumes({ name: 'x', image: 'y', ...entry }, volumes), re);
});

// deviation: LinuxKit decodes uidMappings/gidMappings with yaml.v3 keys containerid/hostid, so the
// documented containerID/hostID are read as 0.
test('uidMappings and gidMappings keep containerID and hostID', () => {
  const s = spec({ userns: 'new', uidMappings: [{ containerID: 0, hostID: 1000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 2000, size: 10 }] });
  assert.deepEqual(s.linux?.uidMappings, [{ containerID: 0, hostID: 1000, size: 65536 }]);
  assert.deepEqual(s.linux?.gidMappings, [{ containerID: 0, hostID: 2000, size: 10 }]);
  assert.match(specToJson(s), /"uidMappings": \[\n {12}\{\n {16}"containerID": 0,\n {16}"hostID": 1000,\n {16}"size": 65536\n/);
});

test('containerBundles: a whole config, ids across sections, volumes, shared images, exact bytes', () => {
  const config: Config = {
    onboot: [
      { name: 'sysctl', image: 'linuxkit/sysctl:1' },
      { name: 'dhcpcd', image: 'linuxkit/dhcpcd:1', command: ['/sbin/dhcpcd', '-1'] },
    ],
    services: [
      { name: 'getty', image: 'linuxkit/getty:1', uid: 'dhcpcd', binds: ['data:/data'] },
      { name: 'dhcpcd2', image: 'linuxkit/dhcpcd:1', readonly: true },
    ],
    volumes: [{ name: 'data' }],
  };
  const images: Record<string, ImageRuntimeConfig> = {
    'linuxkit/sysctl:1': withLabel({ pid: 'host', readonly: true, capabilities: ['CAP_SYS_ADMIN'] }, { Cmd: ['/sysctl'] }),
    'linuxkit/dhcpcd:1': withLabel({ binds: ['/run/resolvconf:/etc'], capabilities: ['CAP_NET_ADMIN'] }),
    'linuxkit/getty:1': { Entrypoint: ['/getty'] },
  };
  const bundles = containerBundles(config, (e) => ({ ref: `docker.io/${e.image}`, config: images[e.image] }));
  assert.deepEqual(
    bundles.map((b) => [b.layout.path, b.location, b.layout.extractTo ?? null]),
    [
      ['containers/onboot/000-sysctl', 'onboot[0]', 'containers/onboot/000-sysctl/rootfs'],
      ['containers/onboot/001-dhcpcd', 'onboot[1]', 'containers/onboot/001-dhcpcd/lower'],
      ['containers/services/getty', 'services[0]', 'containers/services/getty/lower'],
      ['containers/services/dhcpcd2', 'services[1]', null],
    ],
  );
  const getty = bundles[2]!;
  assert.equal(getty.spec.process?.user.uid, 101);
  assert.deepEqual(getty.spec.mounts?.find((m) => m.destination === '/data')?.source, '/containers/volumes/data/merged');
  assert.equal(getty.configJson, specToJson(getty.spec));
  assert.equal(JSON.parse(getty.runtimeJson).mounts[0].destination, '/containers/services/getty/tmp');
  const shared = bundles[3]!;
  assert.deepEqual(JSON.parse(shared.runtimeJson).mounts[0], {
    destination: '/containers/services/dhcpcd2/rootfs',
    source: '/containers/onboot/001-dhcpcd/lower',
    options: ['bind'],
  });
  // errors name the container
  assert.throws(
    () => containerBundles({ services: [{ name: 'bad', image: 'x', capabilities: ['CAP_NOPE'] }] }, () => ({ ref: 'x' })),
    /failed to create OCI spec for bad: unknown capability: CAP_NOPE/,
  );
});
