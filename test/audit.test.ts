// `linuxkit audit`, run as a user runs it, on real files: each privilege planted in
// test/fixtures/audit/privileged.yml (a line marked `# expect LK-…`) is found at its line; a
// least-privileged config gives nothing; the KSPP check on configs with known settings; the
// tar of a build; SARIF's structure; --fail-on exit codes; accept comments and files.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CONTAINER_RULES, KSPP_RULES, KSPP_SETTINGS, rulesMarkdown } from '../src/audit/index.js';
import { specToJson, toOCISpec } from '../src/spec/index.js';
import { tarBuffer } from '../src/tar/index.js';
import { ROOT, runCli } from './helpers.js';

const FIXTURES = 'test/fixtures/audit';
const PRIVILEGED = `${FIXTURES}/privileged.yml`;
const LEAST = `${FIXTURES}/least.yml`;
const tmp = mkdtempSync(join(tmpdir(), 'lk-audit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
// An empty cache: images' labels are unknown, so only what the YAML sets is audited.
const NO_CACHE = ['--cache', join(tmp, 'no-cache')];

interface JsonFinding {
  rule: string;
  severity: string;
  name: string;
  detail: string;
  location?: { file: string; line?: number; col?: number; member?: string };
  accepted?: { reason: string; where: string };
}

function auditJson(args: string[]): { findings: JsonFinding[]; notes: string[]; summary: Record<string, number> } {
  const r = runCli([...NO_CACHE, 'audit', '--json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { findings: JsonFinding[]; notes: string[]; summary: Record<string, number> };
}

/** The `# expect LK-…` marks of a fixture: "RULE@line". */
function marks(file: string): Set<string> {
  const out = new Set<string>();
  readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /# expect (.*)$/.exec(line);
      for (const id of m?.[1]!.trim().split(/\s+/) ?? []) out.add(`${id}@${i + 1}`);
    });
  return out;
}

test('each privilege planted in a YAML is found, with its rule, at its file:line', () => {
  const expected = marks(PRIVILEGED);
  // One plant per container rule, so every rule is exercised.
  const planted = new Set([...expected].map((m) => m.split('@')[0]));
  assert.deepEqual([...planted].sort(), CONTAINER_RULES.map((r) => r.id).sort());
  const { findings, notes } = auditJson([PRIVILEGED]);
  const open = findings.filter((f) => !f.accepted);
  for (const f of open) assert.equal(f.location?.file, PRIVILEGED);
  const found = new Set(open.map((f) => `${f.rule}@${f.location?.line}`));
  for (const e of expected) assert.ok(found.has(e), `${e} not found; found ${[...found].join(' ')}`);
  // Nothing else, but the seccomp finding no LinuxKit container can avoid (one per container).
  const extra = [...found].filter((f) => !expected.has(f));
  assert.ok(
    extra.every((f) => f.startsWith('LK-PROC-002@')),
    `unexpected: ${extra.join(' ')}`,
  );
  // A list item is located at the item itself.
  const text = readFileSync(join(ROOT, PRIVILEGED), 'utf8').split('\n');
  const all = open.find((f) => f.rule === 'LK-CAP-001')!;
  assert.equal(text[all.location!.line! - 1]!.slice(all.location!.col! - 1, all.location!.col! + 2), 'all');
  const dev = open.find((f) => f.rule === 'LK-DEV-003')!;
  assert.match(dev.detail, /\/dev\/hwrng \(c 10:183/);
  // The kernel image and busybox are not in the (empty) cache: said, not failed.
  assert.ok(notes.some((n) => n.includes('busybox:1.36') && n.includes('label')));
  assert.ok(notes.some((n) => n.startsWith('kernel:') && n.includes('--kernel-config')));
});

test('a least-privileged YAML gives no finding (the seccomp one, accepted by its comment)', () => {
  const { findings, summary } = auditJson([LEAST]);
  assert.deepEqual(
    findings.map((f) => [f.rule, f.accepted?.reason]),
    [['LK-PROC-002', "LinuxKit's YAML cannot set a seccomp profile"]],
  );
  assert.deepEqual(summary, { high: 0, medium: 0, low: 0, accepted: 1 });
});

/** A .config that meets every KSPP setting of the table, then `changes` (null: the line removed). */
function kernelConfig(changes: Record<string, string | null>): string {
  const lines: string[] = ['#', '# Automatically generated file; DO NOT EDIT.', '#'];
  const values = new Map<string, string>();
  for (const s of KSPP_SETTINGS) {
    const w = s.want;
    values.set(s.option, w === 'y' ? 'y' : w === 'n' ? 'n' : 'equals' in w ? w.equals : String(w.min));
  }
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) values.delete(k);
    else values.set(k, v);
  }
  for (const [k, v] of values) lines.push(v === 'n' ? `# ${k} is not set` : `${k}=${v}`);
  return lines.join('\n') + '\n';
}

test('KSPP: a kernel config with known settings gives exactly the expected findings, at their lines', () => {
  const good = join(tmp, 'good.config');
  writeFileSync(good, kernelConfig({}));
  assert.deepEqual(
    auditJson(['--kernel-config', good, LEAST]).findings.filter((f) => f.name === 'kernel'),
    [],
  );

  const text = kernelConfig({
    CONFIG_DEVMEM: 'y', // off wanted; and with it, STRICT_DEVMEM and IO_STRICT_DEVMEM are wanted
    CONFIG_STRICT_DEVMEM: null,
    CONFIG_IO_STRICT_DEVMEM: null,
    CONFIG_MODULES: 'y', // with modules, the signing settings are wanted: only MODULE_SIG is on
    CONFIG_MODULE_SIG: 'y',
    CONFIG_STRICT_MODULE_RWX: null,
    CONFIG_MODULE_SIG_FORCE: 'n',
    CONFIG_MODULE_SIG_ALL: null,
    CONFIG_DEFAULT_MMAP_MIN_ADDR: '4096',
    CONFIG_RANDOMIZE_BASE: null, // absent is off
    CONFIG_PAGE_TABLE_ISOLATION: 'n',
    CONFIG_PANIC_TIMEOUT: '0',
  });
  // As /proc/config.gz gives it.
  const gz = join(tmp, 'config.gz');
  writeFileSync(gz, gzipSync(text));
  const { findings } = auditJson(['--kernel-config', gz, LEAST]);
  const kernel = findings.filter((f) => f.name === 'kernel');
  assert.deepEqual(
    kernel.map((f) => f.rule).sort(),
    [
      'DEFAULT_MMAP_MIN_ADDR',
      'DEVMEM',
      'IO_STRICT_DEVMEM',
      'MODULES',
      'MODULE_SIG_ALL',
      'MODULE_SIG_FORCE',
      'PAGE_TABLE_ISOLATION',
      'PANIC_TIMEOUT',
      'RANDOMIZE_BASE',
      'STRICT_DEVMEM',
      'STRICT_MODULE_RWX',
    ].map((o) => `LK-KSPP-${o}`),
  );
  const lines = text.split('\n');
  for (const f of kernel) {
    assert.equal(f.location?.file, gz);
    const option = f.rule.replace('LK-KSPP-', 'CONFIG_');
    const at = lines.findIndex((l) => l.startsWith(`${option}=`) || l === `# ${option} is not set`);
    // An option the file does not write has no line; one it writes is located at it.
    assert.equal(f.location?.line, at === -1 ? undefined : at + 1, f.rule);
  }
  assert.equal(kernel.find((f) => f.rule === 'LK-KSPP-DEVMEM')?.severity, 'high');
  assert.equal(kernel.find((f) => f.rule === 'LK-KSPP-DEFAULT_MMAP_MIN_ADDR')?.detail, 'CONFIG_DEFAULT_MMAP_MIN_ADDR=4096');

  const bad = join(tmp, 'not-a-config');
  writeFileSync(bad, 'hello\n');
  const r = runCli([...NO_CACHE, 'audit', '--kernel-config', bad, LEAST]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not-a-config is not a kernel configuration/);
});

test('the tar of a build: each container config.json and boot/config-* as built', async () => {
  const { spec } = toOCISpec({ capabilities: ['CAP_SYS_ADMIN'], net: 'new', ipc: 'new', uts: 'new', readonly: true }, undefined, new Map());
  const tarFile = join(tmp, 'image.tar');
  writeFileSync(
    tarFile,
    await tarBuffer([
      { header: { name: 'containers/onboot/000-mounter/config.json', mtime: new Date(0) }, data: specToJson(spec) },
      { header: { name: 'boot/config-6.1.0', mtime: new Date(0) }, data: kernelConfig({ CONFIG_KEXEC: 'y' }) },
    ]),
  );
  const { findings } = auditJson([tarFile]);
  const mounter = findings.filter((f) => f.name === 'mounter');
  assert.ok(mounter.some((f) => f.rule === 'LK-CAP-002' && f.detail === 'CAP_SYS_ADMIN'));
  assert.ok(!mounter.some((f) => f.rule.startsWith('LK-NS-') || f.rule === 'LK-FS-001'));
  assert.deepEqual(mounter[0]!.location, { file: tarFile, member: 'containers/onboot/000-mounter/config.json' });
  assert.deepEqual(
    findings.filter((f) => f.name === 'kernel').map((f) => [f.rule, f.location?.member]),
    [['LK-KSPP-KEXEC', 'boot/config-6.1.0']],
  );
});

test('SARIF 2.1.0: rules with help, results with file, line and column, accepted ones suppressed', () => {
  const r = runCli([...NO_CACHE, 'audit', '--sarif', PRIVILEGED]);
  assert.equal(r.status, 0, r.stderr);
  const sarif = JSON.parse(r.stdout) as {
    version: string;
    runs: Array<{
      tool: {
        driver: {
          name: string;
          rules: Array<{ id: string; shortDescription: { text: string }; help: { text: string }; defaultConfiguration: { level: string } }>;
        };
      };
      results: Array<{
        ruleId: string;
        ruleIndex: number;
        level: string;
        message: { text: string };
        locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number; startColumn?: number } } }>;
        suppressions?: Array<{ kind: string; justification: string }>;
      }>;
    }>;
  };
  // The properties SARIF 2.1.0 requires (sarifLog: version, runs; run: tool; tool: driver;
  // toolComponent: name; result: message; message: text; reportingDescriptor: id).
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs.length, 1);
  const run = sarif.runs[0]!;
  assert.ok(run.tool.driver.name);
  const ids = new Set<string>();
  for (const rule of run.tool.driver.rules) {
    assert.match(rule.id, /^LK-/);
    assert.ok(!ids.has(rule.id), `rule ${rule.id} twice`);
    ids.add(rule.id);
    assert.ok(rule.shortDescription.text && rule.help.text.includes('Fix:'));
    assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level));
  }
  const expected = marks(PRIVILEGED);
  assert.ok(run.results.length >= expected.size);
  for (const res of run.results) {
    assert.ok(res.message.text);
    assert.equal(run.tool.driver.rules[res.ruleIndex]!.id, res.ruleId);
    assert.ok(['error', 'warning', 'note'].includes(res.level));
    const loc = res.locations[0]!.physicalLocation;
    assert.equal(loc.artifactLocation.uri, PRIVILEGED);
    assert.ok(Number.isInteger(loc.region!.startLine) && loc.region!.startLine >= 1);
    assert.ok(Number.isInteger(loc.region!.startColumn) && loc.region!.startColumn! >= 1);
  }
  const results = new Set(run.results.map((x) => `${x.ruleId}@${x.locations[0]!.physicalLocation.region!.startLine}`));
  for (const e of expected) assert.ok(results.has(e), e);
  const suppressed = run.results.filter((x) => x.suppressions);
  assert.deepEqual(
    suppressed.map((x) => [x.ruleId, x.suppressions![0]!.kind]),
    [['LK-PROC-002', 'inSource']],
  );
});

test('--fail-on: exit 2 when an unaccepted finding is at that severity or above, else 0; a bad level is an error', () => {
  assert.equal(runCli([...NO_CACHE, 'audit', PRIVILEGED]).status, 0);
  assert.equal(runCli([...NO_CACHE, 'audit', '--fail-on', 'high', PRIVILEGED]).status, 2);
  assert.equal(runCli([...NO_CACHE, 'audit', '--fail-on', 'low', LEAST]).status, 0);
  // Only medium and low findings: high passes, medium fails.
  const medium = join(tmp, 'medium.yml');
  writeFileSync(medium, 'services:\n  - name: s\n    image: busybox:1.36\n');
  assert.equal(runCli([...NO_CACHE, 'audit', '--fail-on', 'high', medium]).status, 0);
  assert.equal(runCli([...NO_CACHE, 'audit', '--fail-on', 'medium', medium]).status, 2);
  const bad = runCli([...NO_CACHE, 'audit', '--fail-on', 'severe', LEAST]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /severe/);
});

test('accepting: a comment on the line or above it, an accept file; a missing reason or an unknown rule is an error', () => {
  const yml = join(tmp, 'accept.yml');
  writeFileSync(
    yml,
    [
      'services:',
      '  - name: s',
      '    image: busybox:1.36',
      '    capabilities:',
      '      - CAP_SYS_ADMIN  # audit: accept LK-CAP-002 mounts its data disk',
      '      # audit: accept LK-CAP-003, LK-CAP-004 - sends pings',
      '      - CAP_NET_RAW',
      '    pid: host',
      '',
    ].join('\n'),
  );
  const list = join(tmp, 'accept-list.yml');
  writeFileSync(list, "- rule: LK-NS-002\n  name: s\n  reason: watches the machine's processes\n- rule: LK-NS-002\n  name: other\n  reason: unused\n");
  const { findings, notes } = auditJson(['--accept', list, yml]);
  const accepted = Object.fromEntries(findings.filter((f) => f.accepted).map((f) => [f.rule, f.accepted!.reason]));
  assert.deepEqual(accepted, { 'LK-CAP-002': 'mounts its data disk', 'LK-CAP-003': 'sends pings', 'LK-NS-002': "watches the machine's processes" });
  assert.ok(findings.find((f) => f.rule === 'LK-CAP-002')!.accepted!.where.endsWith('accept.yml:5:24'));
  // An acceptance that matches nothing is noted.
  assert.ok(notes.some((n) => n.includes('accept-list.yml:4:3') && n.includes('matches no finding')));
  // Without the list, pid: host is reported again.
  assert.ok(!auditJson([yml]).findings.find((f) => f.rule === 'LK-NS-002')!.accepted);

  writeFileSync(yml, 'services:\n  - name: s\n    image: busybox:1.36\n    pid: host  # audit: accept LK-NS-002\n');
  let r = runCli([...NO_CACHE, 'audit', yml]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /accept\.yml:4:16: audit: accept LK-NS-002 gives no reason/);
  writeFileSync(yml, 'services:\n  - name: s\n    image: busybox:1.36\n    pid: host  # audit: accept LK-NS-009 a typo\n');
  r = runCli([...NO_CACHE, 'audit', yml]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /accept\.yml:4:16: audit: accept names LK-NS-009, which is no audit rule/);
  writeFileSync(list, '- rule: LK-NS-002\n  name: s\n');
  r = runCli([...NO_CACHE, 'audit', '--accept', list, LEAST]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /accept-list\.yml:1:3: accepting LK-NS-002 needs a reason/);
});

test('the project: no unaccepted high finding in the examples and packages; every rule is documented', () => {
  const r = runCli([
    'audit',
    '--accept',
    'audit-accept.yml',
    '--fail-on',
    'high',
    // Every example and every package, as README's command (a new one is audited by being added).
    ...readdirSync(join(ROOT, 'examples'))
      .filter((f) => f.endsWith('.yml'))
      .map((f) => `examples/${f}`),
    ...readdirSync(join(ROOT, 'pkg'))
      .filter((d) => existsSync(join(ROOT, 'pkg', d, 'build.yml')))
      .map((d) => `pkg/${d}/build.yml`),
  ]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /audit: 0 high, \d+ medium, \d+ low \(\d+ accepted\)/);
  const doc = readFileSync(join(ROOT, 'docs/audit.md'), 'utf8');
  for (const rule of [...CONTAINER_RULES, ...KSPP_RULES]) assert.ok(doc.includes(rule.id), `docs/audit.md does not document ${rule.id}`);
  // The doc's tables are the rule tables' own (node scripts/audit-doc.mjs after a change).
  assert.ok(doc.includes(rulesMarkdown()), 'docs/audit.md: rule tables out of date; run node scripts/audit-doc.mjs');
});
