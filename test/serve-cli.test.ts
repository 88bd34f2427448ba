// `linuxkit serve`: the real CLI serves a directory on 127.0.0.1; curl is the client.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI } from './helpers.js';

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** curl, without following redirects; --path-as-is so "/../" reaches the server unchanged. */
function curl(url: string, ...args: string[]): Reply {
  const out = execFileSync('curl', ['-s', '-i', '--path-as-is', ...args, url], { encoding: 'latin1' });
  const sep = out.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = out.slice(0, sep).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
  return { status: Number(statusLine!.split(' ')[1]), headers, body: out.slice(sep + 4) };
}

describe('linuxkit serve', () => {
  let dir = '';
  let child: ChildProcess;
  let base = '';
  let stderr = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lk-serve-'));
    const root = join(dir, 'root');
    await mkdir(join(root, 'sub dir'), { recursive: true });
    await mkdir(join(root, 'site'));
    await writeFile(join(root, 'hello.txt'), 'hello world\n');
    await writeFile(join(root, 'blob'), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    await writeFile(join(root, 'a<b>.yml'), 'x: 1\n');
    await writeFile(join(root, 'sub dir', 'x.json'), '{}');
    await writeFile(join(root, 'site', 'index.html'), '<html>site</html>');
    await writeFile(join(dir, 'secret'), 'outside');
    child = spawn(process.execPath, [CLI, 'serve', '--port', '127.0.0.1:0', '--directory', root], { stdio: ['ignore', 'ignore', 'pipe'] });
    const port = await new Promise<string>((ok, fail) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /on port (\d+)/.exec(stderr);
        if (m) ok(m[1]!);
      });
      child.once('exit', (code) => fail(new Error(`serve exited ${code}: ${stderr}`)));
    });
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    child?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('serves files with type, length and modification time', () => {
    const r = curl(`${base}/hello.txt`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello world\n');
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.headers['content-length'], '12');
    assert.ok(r.headers['last-modified']);
    assert.equal(curl(`${base}/blob`).headers['content-type'], 'application/octet-stream', 'sniffed as binary');
    const again = curl(`${base}/hello.txt`, '-H', `If-Modified-Since: ${r.headers['last-modified']}`);
    assert.equal(again.status, 304);
  });

  it('serves byte ranges', () => {
    const r = curl(`${base}/hello.txt`, '-r', '6-10');
    assert.equal(r.status, 206);
    assert.equal(r.body, 'world');
    assert.equal(r.headers['content-range'], 'bytes 6-10/12');
    assert.equal(curl(`${base}/hello.txt`, '-r', '50-60').status, 416);
  });

  it('lists directories as Go does, escaping names', () => {
    const r = curl(`${base}/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(
      r.body,
      '<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n' +
        '<a href="a%3Cb%3E.yml">a&lt;b&gt;.yml</a>\n<a href="blob">blob</a>\n<a href="hello.txt">hello.txt</a>\n' +
        '<a href="site/">site/</a>\n<a href="sub%20dir/">sub dir/</a>\n</pre>\n',
    );
    assert.equal(curl(`${base}/sub%20dir/x.json`).body, '{}');
  });

  it('redirects as http.FileServer does, and serves index.html', () => {
    assert.deepEqual([curl(`${base}/site`).status, curl(`${base}/site`).headers.location], [301, 'site/']);
    assert.deepEqual([curl(`${base}/hello.txt/`).status, curl(`${base}/hello.txt/`).headers.location], [301, '../hello.txt']);
    assert.equal(curl(`${base}/site/index.html`).headers.location, './');
    assert.equal(curl(`${base}/site/`).body, '<html>site</html>');
  });

  it('never leaves the directory', () => {
    for (const p of ['/../secret', '/%2e%2e/secret', '/sub%20dir/../../secret', '/..%2fsecret']) {
      const r = curl(base + p);
      assert.equal(r.status, 404, p);
      assert.equal(r.body, '404 page not found\n');
    }
  });

  it('logs each request', async () => {
    // curl ran synchronously: give the child's stderr a moment to be read.
    for (let i = 0; i < 50 && !/GET \/hello\.txt/.test(stderr); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(stderr, /GET \/hello\.txt/);
  });

  it('rejects a bad address', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--port', 'nonsense'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /missing port in address/);
  });
});
