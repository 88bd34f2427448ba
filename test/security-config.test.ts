// Hostile configs (issue 12, item 9): a YAML served over http(s) by someone other than the user
// must not copy this machine's files into the image, and a kernel.ucode the kernel image lacks
// must not give a machine without its microcode. The real CLI, a config server on 127.0.0.1, a
// real cache. docs/security.md, section 9, describes the classes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTar } from '../src/assemble/testing.js';
import { startSilentServer } from '../src/oci/registry/testing.js';
import { putCacheImage } from './fixtures/cache-image.js';
import { runCliAsync } from './helpers.js';

const SECRET = 'root:$y$j9T$not-for-the-image:19000:0:99999:7:::\n';

let dir: string;
let cache: string;
let server: Server;
let base: string;
/** The YAML texts the config server serves, by path. */
const served = new Map<string, string>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lkts-sec-config-'));
  cache = join(dir, 'cache');
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  await putCacheImage(cache, {
    ref: 'docker.io/linuxkit/kernel:noucode',
    layers: [
      [
        { name: 'kernel', content: 'k' },
        { name: 'ucode', type: 'directory' },
      ],
    ],
  });
  await putCacheImage(cache, {
    ref: 'docker.io/linuxkit/kernel:ucode',
    layers: [
      [
        { name: 'kernel', content: 'k' },
        { name: 'intel-ucode.cpio', content: 'microcode' },
      ],
    ],
  });
  server = createServer((req, res) => {
    const text = served.get(req.url ?? '');
    res.writeHead(text === undefined ? 404 : 200, { 'content-type': 'text/yaml' });
    res.end(text ?? 'not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

/** Serves `text` at /NAME.yml; returns its URL. */
function serve(name: string, text: string): string {
  served.set(`/${name}.yml`, text);
  return `${base}/${name}.yml`;
}

/** `linuxkit --cache CACHE build -o OUT.tar ARGS…` in a fresh output dir; the outputs left there. */
async function build(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stderr: string; out: string; outputs: string[] }> {
  const outDir = mkdtempSync(join(dir, 'out-'));
  const r = await runCliAsync(['--cache', cache, 'build', '-o', join(outDir, 'out.tar'), ...args], { cwd: dir, env: { CI: '', ...env } });
  return { status: r.status, stderr: r.stderr, out: join(outDir, 'out.tar'), outputs: readdirSync(outDir) };
}

async function tarFiles(file: string): Promise<Map<string, string>> {
  const entries = await readTar(createReadStream(file));
  return new Map(entries.filter((e) => e.type === 'file').map((e) => [e.name, e.contents ?? '']));
}

describe('9a. a config fetched over http(s) reads no local file without --allow-local-files', () => {
  const FLAG = /a remote config reads no local files unless you pass --allow-local-files/;
  const variants: Array<{ name: string; yaml: string; at: string[] }> = [
    { name: '/etc/shadow', yaml: 'files:\n  - path: etc/shadow\n    source: /etc/shadow\n', at: ['3:13: files[0].source: "/etc/shadow"'] },
    {
      name: 'a key in the home directory',
      yaml: 'files:\n  - path: root/.ssh/id_rsa\n    source: ~/.ssh/id_rsa\n',
      at: ['3:13: files[0].source: "~/.ssh/id_rsa"'],
    },
    { name: 'a path relative to where build runs', yaml: 'files:\n  - path: x\n    source: secret.txt\n', at: ['3:13: files[0].source: "secret.txt"'] },
    {
      name: 'optional (its existence alone would leak)',
      yaml: 'files:\n  - path: x\n    source: /etc/shadow\n    optional: true\n',
      at: ['3:13: files[0].source'],
    },
    {
      name: 'through a YAML anchor and merge key',
      yaml: 'files:\n  - &src\n    path: etc/a\n    source: /etc/shadow\n  - <<: *src\n    path: etc/b\n',
      at: ['4:13: files[0].source: "/etc/shadow"', '5:5: files[1].source: "/etc/shadow"'],
    },
    {
      name: 'two entries: both reported at once',
      yaml: 'files:\n  - path: a\n    source: /etc/shadow\n  - path: b\n    source: /etc/gshadow\n',
      at: ['3:13: files[0].source', '5:13: files[1].source: "/etc/gshadow"'],
    },
  ];
  for (const v of variants) {
    test(v.name, async () => {
      const url = serve(v.name.replace(/\W+/g, '-'), v.yaml);
      const r = await build([url]);
      assert.equal(r.status, 1, r.stderr);
      for (const a of v.at) assert.ok(r.stderr.includes(`${url}:${a}`), `${url}:${a} in:\n${r.stderr}`);
      assert.match(r.stderr, FLAG);
      assert.deepEqual(r.outputs, [], 'no output written');
    });
  }

  test('merged with a local file: the local file may read local files, the remote one may not', async () => {
    const local = join(dir, 'local.yml');
    writeFileSync(local, `files:\n  - path: etc/mine\n    source: ${join(dir, 'secret.txt')}\n`);
    const url = serve('merged', 'files:\n  - path: etc/theirs\n    source: /etc/shadow\n');
    const r = await build([local, url]);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(`${url}:3:13: files[0].source`), r.stderr);
    assert.doesNotMatch(r.stderr, /local\.yml/);
    // Without the remote file, the same local file builds and carries the file.
    const ok = await build([local]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal((await tarFiles(ok.out)).get('etc/mine'), SECRET);
  });

  test('a remote config without local reads builds; with --allow-local-files its source is read', async () => {
    const plain = await build([serve('plain', 'files:\n  - path: etc/motd\n    contents: hello\n')]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal((await tarFiles(plain.out)).get('etc/motd'), 'hello');
    const url = serve('allowed', `files:\n  - path: etc/copied\n    source: ${join(dir, 'secret.txt')}\n`);
    const allowed = await build(['--allow-local-files', url]);
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.equal((await tarFiles(allowed.out)).get('etc/copied'), SECRET);
  });

  test('--dry-run shows what a remote config would read, and reads nothing', async () => {
    const url = serve('dry', 'files:\n  - path: etc/shadow\n    source: /etc/shadow\n');
    const r = await runCliAsync(['build', '--dry-run', url], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /source: \/etc\/shadow/);
    assert.doesNotMatch(r.stdout, /root:/);
  });
});

describe('9b. kernel.ucode naming a file the kernel image lacks is an error', () => {
  const yaml = (image: string, ucode: string) => `kernel:\n  image: linuxkit/kernel:${image}\n  tar: none\n  ucode: ${ucode}\n`;
  for (const [name, image, ucode] of [
    ['the image has no such file', 'noucode', 'intel-ucode.cpio'],
    ['the name is a directory in the image', 'noucode', 'ucode'],
    ['an absolute path (image paths are relative; LinuxKit ignores it silently)', 'ucode', '/intel-ucode.cpio'],
  ] as const) {
    test(name, async () => {
      const file = join(dir, `ucode-${image}-${ucode.replace(/\W/g, '')}.yml`);
      writeFileSync(file, yaml(image, ucode));
      const r = await build([file]);
      assert.equal(r.status, 1, r.stderr);
      assert.ok(r.stderr.includes(`${file}:4:10: kernel.ucode: kernel image docker.io/linuxkit/kernel:${image} has no file "${ucode}"`), r.stderr);
      assert.deepEqual(r.outputs, [], 'no output written');
    });
  }

  test('present: it becomes boot/ucode.cpio', async () => {
    const file = join(dir, 'ucode-ok.yml');
    writeFileSync(file, yaml('ucode', 'intel-ucode.cpio'));
    const r = await build([file]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await tarFiles(r.out)).get('boot/ucode.cpio'), 'microcode');
  });
});

describe('9c. a remote config is fetched within bounds: no endless wait, no endless body', () => {
  /** A limit that stopped working shows as these tests failing by name, not as a hung suite. */
  const BOUND = { timeout: 30_000 };
  // 0.5 s of silence allowed, so 2 s for the whole fetch (4 silences).
  const env = { LINUXKIT_REGISTRY_TIMEOUT: '0.5' };
  /** A server on 127.0.0.1 answering every request with `answer`; the bytes it managed to send. */
  async function withServer(answer: (res: ServerResponse) => void, run: (url: string) => Promise<void>): Promise<number> {
    let sent = 0;
    const s = createServer((_req, res) => {
      const write = res.write.bind(res);
      res.write = ((chunk: Buffer | string, ...rest: never[]) => ((sent += chunk.length), write(chunk, ...rest))) as typeof res.write;
      answer(res);
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const addr = s.address();
    try {
      await run(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/x.yml`);
    } finally {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    return sent;
  }

  /** Builds from `url`: it must fail within `seconds` with `message`, no output, no stack trace. */
  async function refused(url: string, message: RegExp, seconds: number): Promise<void> {
    const t0 = Date.now();
    const r = await build([url], env);
    const took = (Date.now() - t0) / 1000;
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.ok(r.stderr.includes(`cannot fetch remote yaml file ${url}`), r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(r.outputs, [], 'no output written');
    assert.ok(took < seconds, `gave up after ${took} s, expected under ${seconds} s`);
  }

  test('a server that accepts the connection and never answers: given up after the silence limit', BOUND, async () => {
    const silent = await startSilentServer();
    try {
      await refused(`http://${silent.host}/x.yml`, /the server sent nothing for 0\.5 s \(set LINUXKIT_REGISTRY_TIMEOUT=SECONDS to wait longer\)/, 4);
      assert.deepEqual(silent.seen, ['connection'], 'one attempt');
    } finally {
      await silent.stop();
    }
  });

  test('a server that sends a byte now and then: given up when the whole fetch takes too long', BOUND, async () => {
    await withServer(
      (res) => {
        res.writeHead(200, { 'content-type': 'text/yaml' });
        const timer = setInterval(() => res.write('#'), 100);
        res.on('close', () => clearInterval(timer));
      },
      (url) => refused(url, /not complete after 2 s \(4 × LINUXKIT_REGISTRY_TIMEOUT, 0\.5 s\)/, 5),
    );
  });

  test('a server that streams without end: refused at 16 MiB, while reading', BOUND, async () => {
    const chunk = Buffer.from(`${'#'.repeat(1023)}\n`.repeat(64));
    const sent = await withServer(
      (res) => {
        res.writeHead(200, { 'content-type': 'text/yaml' });
        const more = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', more);
        };
        more();
      },
      (url) => refused(url, /larger than 16 MiB, the limit for a config/, 5),
    );
    // What the sockets' buffers held beyond the cap, not gigabytes.
    assert.ok(sent < 64 * 1024 * 1024, `the server sent ${sent} bytes`);
  });

  test('a server that announces a body over 16 MiB: refused before reading it', BOUND, async () => {
    const sent = await withServer(
      (res) => {
        res.writeHead(200, { 'content-type': 'text/yaml', 'content-length': String(1024 ** 3) });
        res.write('# a start, and then nothing\n');
      },
      (url) => refused(url, /larger than 16 MiB, the limit for a config/, 2),
    );
    assert.ok(sent < 100, `the server sent ${sent} bytes`);
  });
});
