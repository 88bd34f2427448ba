// Package tags: the hash of a package's sources, inside and outside git, as `pkg show-tag` prints it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../test/helpers.js';
import { parseBuildYml } from './buildyml.js';
import { directoryTreeHash } from './hash.js';
import { canonicalRef, expandTagTemplate, loadPackage, shortRef, type PkgOptions } from './package.js';

const tmp = mkdtempSync(join(tmpdir(), 'pkg-tag-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { encoding: 'utf8' }).trim();
}

/** A package directory with a file, an executable, a symlink, a subdirectory and an empty one. */
function makePackage(dir: string, image = 'demo'): void {
  mkdirSync(join(dir, 'files', 'sub'), { recursive: true });
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'build.yml'), `image: ${image}\ndebian:\n  packages: [busybox-static]\n`);
  writeFileSync(join(dir, 'files', 'sub', 'data'), 'some data\n');
  writeFileSync(join(dir, 'files', 'run'), '#!/bin/sh\necho hi\n');
  chmodSync(join(dir, 'files', 'run'), 0o755);
  writeFileSync(join(dir, 'files-a'), 'sorts between "files" and "files/" as git does\n');
  symlinkSync('files/run', join(dir, 'link'));
}

function showTag(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = runCli(['pkg', 'show-tag', ...args], { env: { LINUXKIT_PKG_ORG: '', ...env } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('pkg show-tag', () => {
  it('outside git: the tree hash git would give, stable, and changing on edit', () => {
    const dir = join(tmp, 'plain');
    makePackage(dir);
    const first = showTag([dir]);
    assert.match(first, /^linuxkit\/demo:[0-9a-f]{40}$/);
    assert.equal(showTag([dir]), first, 'same sources, same tag');

    // The same directory committed to git has exactly that tree hash.
    const repo = join(tmp, 'repo-copy');
    mkdirSync(repo);
    execFileSync('cp', ['-a', dir, join(repo, 'plain')]);
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'x');
    assert.equal(first.split(':')[1], git(repo, 'rev-parse', 'HEAD:plain'));
    assert.equal(directoryTreeHash(dir), git(repo, 'rev-parse', 'HEAD:plain'));

    appendFileSync(join(dir, 'files', 'sub', 'data'), 'more\n');
    const edited = showTag([dir]);
    assert.notEqual(edited, first, 'an edit changes the tag');
    chmodSync(join(dir, 'files', 'sub', 'data'), 0o755);
    assert.notEqual(showTag([dir]), edited, 'the executable bit counts, as in git');
  });

  it('inside git: tree hash at HEAD, -dirty-<content> on uncommitted changes', () => {
    const repo = join(tmp, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q');
    makePackage(join(repo, 'pkg', 'demo'));
    writeFileSync(join(repo, 'README'), 'outside the package\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'x');
    const tree = git(repo, 'rev-parse', 'HEAD:pkg/demo');
    const dir = join(repo, 'pkg', 'demo');
    assert.equal(showTag([dir]), `linuxkit/demo:${tree}`);
    assert.equal(showTag(['--canonical', dir]), `docker.io/linuxkit/demo:${tree}`);

    appendFileSync(join(repo, 'README'), 'a change outside the package\n');
    assert.equal(showTag([dir]), `linuxkit/demo:${tree}`, 'changes elsewhere do not make it dirty');

    appendFileSync(join(dir, 'files', 'sub', 'data'), 'edit\n');
    const dirty = showTag([dir]);
    assert.match(dirty, new RegExp(`^linuxkit/demo:${tree}-dirty-[0-9a-f]{7}$`));
    appendFileSync(join(dir, 'files', 'sub', 'data'), 'another edit\n');
    assert.notEqual(showTag([dir]), dirty, 'the dirty suffix follows the content');
    git(repo, 'checkout', '-q', '--', '.');

    writeFileSync(join(dir, 'untracked'), 'new\n');
    assert.match(showTag([dir]), /-dirty-[0-9a-f]{7}$/, 'an untracked file makes it dirty');
    rmSync(join(dir, 'untracked'));
    assert.equal(showTag([dir]), `linuxkit/demo:${tree}`);
    assert.match(showTag(['--force-dirty', dir]), new RegExp(`^linuxkit/demo:${tree}-dirty-[0-9a-f]{7}$`));
  });

  it('takes --org, $LINUXKIT_PKG_ORG, --tag templates, --hash, --dev and several directories', () => {
    const a = join(tmp, 'flags-a');
    const b = join(tmp, 'flags-b');
    makePackage(a, 'alpha');
    makePackage(b, 'beta');
    const hash = directoryTreeHash(a);
    // Through the CLI: flag parsing, the environment, several directories.
    assert.equal(showTag(['--org', 'flag', '--tag', 'v1-{{ .Hash }}', a], { LINUXKIT_PKG_ORG: 'envorg' }), `flag/alpha:v1-${hash}`);
    assert.equal(showTag([a, b], { LINUXKIT_PKG_ORG: 'envorg' }), `envorg/alpha:${hash}\nenvorg/beta:${directoryTreeHash(b)}`);
    assert.equal(showTag(['--dev', a], { USER: 'someone' }), 'someone/alpha:dev');
    // The rest in-process (each CLI run costs a Node start).
    const tag = (opts: PkgOptions): string => shortRef(loadPackage(a, opts));
    const saved = process.env.LINUXKIT_PKG_ORG;
    delete process.env.LINUXKIT_PKG_ORG;
    try {
      assert.equal(tag({ org: 'me' }), `me/alpha:${hash}`);
      assert.equal(tag({ tag: 'fixed' }), 'linuxkit/alpha:fixed');
      assert.equal(tag({ hash: 'abc' }), 'linuxkit/alpha:abc');
      assert.equal(tag({ hash: 'abc', tag: '{{.Hash}}-x' }), 'linuxkit/alpha:abc-x');
      assert.equal(canonicalRef(loadPackage(a, { org: 'registry.example:5000/me' })), `registry.example:5000/me/alpha:${hash}`);
      writeFileSync(join(a, 'other.yml'), 'image: other\ntag: "r-{{.Hash}}"\n');
      assert.equal(tag({ buildYml: 'other.yml' }), `linuxkit/other:r-${directoryTreeHash(a)}`);
      // --hash-path: the hash of a parent directory, which must contain the package.
      assert.equal(tag({ hashPath: tmp }).split(':')[1], directoryTreeHash(tmp));
      assert.throws(() => tag({ hashPath: b }), /Hash path is not a prefix of the package path/);
    } finally {
      if (saved !== undefined) process.env.LINUXKIT_PKG_ORG = saved;
    }
  });

  it('fails clearly on a bad template, a missing build.yml and an unknown field', () => {
    assert.throws(() => expandTagTemplate('{{.Commit}}', 'h'), /only \{\{\.Hash\}\} is available/);
    const r = runCli(['pkg', 'show-tag', tmp]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /build\.yml does not exist/);
    assert.throws(() => parseBuildYml('image: x\nimagee: y\n', 'b.yml'), /^UserError: b\.yml:2:1: unknown field "imagee"/);
    assert.throws(() => parseBuildYml('org: x\n', 'b.yml'), /Image field is required/);
    assert.throws(
      () => parseBuildYml('image: x\ndebian:\n  packages: [a]\n  excludes: [b]\n', 'b.yml'),
      /b\.yml:4:3: debian: unknown field "excludes"/,
    );
    assert.throws(() => parseBuildYml('image: x\nconcat: [{src: /a}]\n', 'b.yml'), /b\.yml:2:10: concat\[0\]: "dst" is required/);
  });

  it('reads the daemonless fields', () => {
    const y = parseBuildYml(
      [
        'image: x',
        'debian: {packages: [a, b], exclude: [c]}',
        'copy: [{src: files/init, dst: /init, mode: "0755"}, {src: f, dst: /f, mode: 0644}]',
        'remove: [usr/share/doc]',
        'concat: [{src: /usr/share/certs, dst: /etc/certs.pem}]',
        'symlinks: [{path: /bin/sh, target: busybox}]',
        'entrypoint: [/init]',
        'config: {binds: [/a:/a]}',
      ].join('\n'),
      'b.yml',
    );
    assert.deepEqual(y.debian, { packages: ['a', 'b'], exclude: ['c'] });
    assert.deepEqual(y.copy, [
      { src: 'files/init', dst: '/init', mode: 0o755 },
      { src: 'f', dst: '/f', mode: 0o644 },
    ]);
    assert.deepEqual(y.concat, [{ src: '/usr/share/certs', dst: '/etc/certs.pem' }]);
    assert.deepEqual(y.symlinks, [{ path: '/bin/sh', target: 'busybox' }]);
    assert.deepEqual(y.config, { binds: ['/a:/a'] });
    assert.deepEqual(y.arches, ['amd64', 'arm64', 'riscv64']);
    assert.equal(y.org, 'linuxkit');
  });
});
