// The console parsing of `linuxkit bench`: stage lines, the boot's timeline, the probe's memory
// line and the floor's line, on consoles as the init and the kernel print them (CRLF, kernel
// messages and warnings in between).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootTimeline, classify, parseFloor, parseMemory, parseStages } from './stages.js';

/** A boot as the init prints it (docs/init.md), with what else a console carries. */
const CONSOLE = [
  '[    0.000000] Linux version 6.1.0',
  'linuxkit-ts: 2.60 init start',
  'linuxkit-ts: 2.71 init root ready',
  'linuxkit-ts: warning: some mounts failed',
  'linuxkit-ts: 3.15 rc.init hotplug done\r',
  'linuxkit-ts: 3.52 onboot 000-dhcpcd start',
  'eth0: leased 10.0.2.15 for 86400 seconds',
  'linuxkit-ts: 4.75 onboot 000-dhcpcd done status=0',
  'linuxkit-ts: 4.80 onboot 001-fail start',
  'linuxkit-ts: 4.90 onboot 001-fail done status=3',
  'linuxkit-ts: 5.00 service flaky exited status=1; restart 1 in 1s',
  'linuxkit-ts: 5.16 service getty started',
  'linuxkit-ts: 5.27 services started',
  'memory in use: 26624 kB of 110484 kB',
  'linuxkit-ts: 5.30 shutdown start',
  '',
].join('\n');

test('stage lines: uptime and stage, in order; warnings (no uptime) left out; CR dropped', () => {
  const lines = parseStages(CONSOLE);
  assert.deepEqual(lines.slice(0, 3), [
    { t: 2.6, what: 'init start' },
    { t: 2.71, what: 'init root ready' },
    { t: 3.15, what: 'rc.init hotplug done' },
  ]);
  assert.equal(lines.length, 11);
  assert.ok(!lines.some((l) => l.what.includes('warning')));
});

test('classify: onboot start/done (status apart, so rounds share a row), services, the end', () => {
  assert.deepEqual(classify({ t: 1, what: 'onboot 000-dhcpcd start' }), { t: 1, what: 'onboot 000-dhcpcd start', kind: 'onboot-start', container: 'dhcpcd' });
  assert.deepEqual(classify({ t: 2, what: 'onboot 000-dhcpcd done status=0' }), {
    t: 2,
    what: 'onboot 000-dhcpcd done',
    kind: 'onboot-done',
    container: 'dhcpcd',
    status: 0,
  });
  assert.deepEqual(classify({ t: 3, what: 'service getty started' }), { t: 3, what: 'service getty started', kind: 'service', container: 'getty' });
  assert.equal(classify({ t: 4, what: 'services started' }).kind, 'all');
  assert.equal(classify({ t: 5, what: 'rc.init mounts done' }).kind, 'init');
});

test('the boot timeline: kernel start at 0, up to "services started", without service exits or shutdown', () => {
  const tl = bootTimeline(CONSOLE)!;
  assert.deepEqual(
    tl.map((s) => s.what),
    [
      'kernel start',
      'init start',
      'init root ready',
      'rc.init hotplug done',
      'onboot 000-dhcpcd start',
      'onboot 000-dhcpcd done',
      'onboot 001-fail start',
      'onboot 001-fail done',
      'service getty started',
      'services started',
    ],
  );
  assert.equal(tl[0]!.t, 0);
  assert.equal(tl.find((s) => s.what === 'onboot 001-fail done')!.status, 3);
  assert.equal(bootTimeline(CONSOLE.replace('services started', 'services not quite')), undefined, 'no end, no timeline');
});

test('the memory line and the floor line', () => {
  assert.deepEqual(parseMemory(CONSOLE), { usedKiB: 26624, totalKiB: 110484 });
  assert.equal(parseMemory('nothing'), undefined);
  assert.equal(parseFloor('[    1.0] x\nlinuxkit-ts: 2.39 floor init\r\n'), 2.39);
  assert.equal(parseFloor(CONSOLE), undefined);
});
