import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runCli } from './helpers.js';

describe('linuxkit CLI', () => {
  it("lists LinuxKit's command tree in --help", () => {
    const r = runCli(['--help']);
    assert.equal(r.status, 0);
    for (const cmd of ['build', 'cache', 'metadata', 'pkg', 'push', 'run', 'serve', 'version']) {
      assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, 'm'), `missing command ${cmd}`);
    }
    for (const flag of ['--cache', '--mirror', '--cert-file', '--quiet', '--verbose']) {
      assert.ok(r.stdout.includes(flag), `missing global flag ${flag}`);
    }
  });

  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = runCli(['version', '--short']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('has --help on every subcommand', () => {
    for (const args of [['build'], ['run', 'qemu'], ['pkg', 'build'], ['cache', 'ls'], ['metadata', 'create']]) {
      const r = runCli([...args, '--help']);
      assert.equal(r.status, 0, `${args.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: linuxkit /m);
    }
  });

  it("takes LinuxKit's flags on run backends and push targets not built yet, then says so", () => {
    for (const [cmd, args] of [
      ['run gcp', ['run', 'gcp', '--zone', 'z', '--machine', 'm', '--skip-cleanup', 'img']],
      ['run aws', ['run', '--mem', '512', 'aws', '--disk-size', '8', 'img']],
      ['run virtualization', ['run', 'virtualization', '--virtiofs', 'a', '--virtiofs', 'b', 'prefix']],
      ['push aws', ['push', 'aws', '--bucket', 'b', '--timeout', '10', 'img.raw']],
      ['push equinixmetal', ['push', 'equinixmetal', '--base-url', 'http://x']],
    ] as const) {
      const r = runCli([...args]);
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, new RegExp(`'linuxkit ${cmd}' is not implemented yet`), r.stderr);
    }
    // A flag the backend does not have is refused as the real command would refuse it.
    const bad = runCli(['run', 'gcp', '--gui', 'img']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /unknown option '--gui'/);
  });

  it('keeps the cause of a user error and shows it with -v 2 only', () => {
    const quiet = runCli(['build', '--dry-run', ROOT]);
    assert.equal(quiet.status, 1);
    assert.match(quiet.stderr, /cannot open config file .*: EISDIR/);
    assert.doesNotMatch(quiet.stderr, /caused by/);
    const verbose = runCli(['-v', '2', 'build', '--dry-run', ROOT]);
    assert.equal(verbose.status, 1);
    assert.match(verbose.stderr, /caused by: Error: EISDIR: illegal operation on a directory/);
  });

  it('rejects a bad verbosity with a clear error', () => {
    const r = runCli(['-v', '9', 'version']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /-v\/--verbose takes 0, 1, 2 or 3, not "9"/);
  });

  it('rejects an unknown command', () => {
    const r = runCli(['frobnicate']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
  });
});
