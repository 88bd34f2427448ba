// The lean plain-HTTP blob reader (plain-get.ts): against the real local registry (pieces lent
// from a reused ring stay intact while the caller holds them) and against hostile servers
// speaking raw TCP (oversized headers, bad chunk sizes, early close, Content-Length lies, a
// server that goes silent, a redirect to another host).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryClient } from './client.js';
import { startTestRegistry, skopeo, writeTestLayout, type TestRegistry } from './testing.js';
import { NetworkError, StalledError, Transport, readBody, type HttpResponse } from './transport.js';
import { isBorrowed } from '../store.js';
import { MAX_HEAD_BYTES } from './plain-get.js';
import type { ImageManifest } from '../types.js';

let reg: TestRegistry;
let work: string;

before(async () => {
  reg = await startTestRegistry();
  work = mkdtempSync(join(tmpdir(), 'lkts-plain-get-'));
});

after(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('a blob from the real registry comes lent in reused runs that stay intact while held, and whole as a stream', async () => {
  const dir = mkdtempSync(join(work, 'layout-'));
  await writeTestLayout(dir, 'v1', [{ architecture: 'amd64', layers: [5 * 1024 * 1024 + 123] }]);
  skopeo(['copy', '--dest-tls-verify=false', `oci:${dir}:v1`, `docker://${reg.host}/lean/img:v1`]);
  const manifest = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/lean/img:v1`])) as ImageManifest;
  const layer = manifest.layers[0]!;
  const repo = { domain: reg.host, path: 'lean/img' };
  const client = new RegistryClient();
  try {
    let counted = 0;
    const lent = await client.getBlob(repo, layer, { verify: false, onBytes: (n) => (counted += n) });
    assert.ok(isBorrowed(lent), 'a plain-HTTP blob is read with the lean reader');
    // A slow caller: the ring fills and the socket waits; a run overwritten while held would
    // change what is hashed after the pause.
    const hash = createHash('sha256');
    const memories = new Set<ArrayBufferLike>();
    let size = 0;
    for await (const piece of lent) {
      const before = Buffer.from(piece.subarray(0, 64));
      await sleep(20);
      assert.deepEqual(piece.subarray(0, 64), before, 'a lent run is not overwritten while held');
      hash.update(piece);
      size += piece.length;
      memories.add(piece.buffer);
    }
    assert.equal(size, layer.size);
    assert.equal(counted, layer.size);
    assert.equal(`sha256:${hash.digest('hex')}`, layer.digest);
    assert.ok(memories.size <= 3, `runs come from a small reused ring (${memories.size} buffers for ${size} bytes)`);

    const stream = await client.getBlob(repo, layer);
    assert.ok(!isBorrowed(stream));
    const whole = createHash('sha256');
    for await (const c of stream) whole.update(c as Buffer);
    assert.equal(`sha256:${whole.digest('hex')}`, layer.digest, 'the verified stream of copies is whole');
  } finally {
    client.close();
  }
});

// ---- hostile servers: raw TCP, answering each request with what the test writes ----

interface RawServer {
  url: (path: string) => URL;
  requests: string[];
  stop(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that reads a request's head and lets `answer` write anything back. */
async function rawServer(answer: (socket: Socket, head: string) => void): Promise<RawServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      requests.push(head);
      answer(socket, head);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: (path) => new URL(`http://127.0.0.1:${port}${path}`),
    requests,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const transport = (timeoutMs = 5_000): Transport => new Transport({ attempts: 1, timeoutMs });

async function get(srv: RawServer, t = transport(), headers: Record<string, string> = {}): Promise<HttpResponse> {
  return t.send({ method: 'GET', url: srv.url('/v2/x/blobs/sha256:0'), headers, bulk: true });
}

/** Reads a lent body whole (what the cache does), copying each piece. */
async function readLent(res: HttpResponse): Promise<Buffer> {
  assert.ok(res.borrowed, 'read with the lean reader');
  const parts: Buffer[] = [];
  for await (const p of res.borrowed) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

async function withServer(answer: (socket: Socket, head: string) => void, check: (srv: RawServer) => Promise<void>): Promise<void> {
  const srv = await rawServer(answer);
  try {
    await check(srv);
  } finally {
    await srv.stop();
  }
}

test('a chunked body with extensions and trailers is read whole; the request asks for the close and sends no body', async () => {
  const data = randomBytes(300_000);
  await withServer(
    (s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nX-A: 2\r\n\r\n');
      s.write(`${(100_000).toString(16)};name=value\r\n`);
      s.write(data.subarray(0, 100_000));
      s.write(`\r\n${(200_000).toString(16).toUpperCase()}\r\n`);
      s.write(data.subarray(100_000));
      s.end('\r\n0\r\nX-Trailer: yes\r\n\r\n');
    },
    async (srv) => {
      const res = await get(srv, transport(), { authorization: 'Bearer t' });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-a'], '1, 2');
      assert.deepEqual(await readLent(res), data);
      assert.match(srv.requests[0]!, /^GET \/v2\/x\/blobs\/sha256:0 HTTP\/1\.1\r\n/);
      assert.match(srv.requests[0]!, /\r\nconnection: close\r\n/i);
      assert.match(srv.requests[0]!, /\r\nauthorization: Bearer t\r\n/);
    },
  );
});

test('headers larger than 16 KiB: refused as node refuses them', async () => {
  await withServer(
    (s) => s.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\nContent-Length: 0\r\n\r\n`),
    async (srv) => {
      await assert.rejects(
        get(srv),
        (e: unknown) => e instanceof NetworkError && e.code === 'HPE_HEADER_OVERFLOW' && /larger than 16384 bytes/.test(e.message),
      );
    },
  );
});

test('malformed answers: status line, header line, both framings, a bad Content-Length', async () => {
  const cases: Array<[string, string]> = [
    ['HTTP/1.1 2000 OK\r\n\r\n', 'HPE_INVALID_CONSTANT'],
    ['SSH-2.0-OpenSSH\r\n\r\n', 'HPE_INVALID_CONSTANT'],
    ['HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['HTTP/1.1 200 OK\r\n folded: x\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n', 'HPE_INVALID_CONTENT_LENGTH'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', 'HPE_INVALID_TRANSFER_ENCODING'],
  ];
  for (const [answer, code] of cases) {
    await withServer(
      (s) => s.end(answer),
      async (srv) => {
        await assert.rejects(get(srv), (e: unknown) => e instanceof NetworkError && e.code === code, `${JSON.stringify(answer)} → ${code}`);
      },
    );
  }
});

test('bad chunk sizes and framing: the body fails, nothing passes as complete', async () => {
  const bodies = ['zz\r\nabc\r\n0\r\n\r\n', '3\r\nabcXY0\r\n\r\n', `${'1'.repeat(2000)}\r\n`, '3\nabc\r\n0\r\n\r\n', '-3\r\nabc\r\n0\r\n\r\n'];
  for (const body of bodies) {
    await withServer(
      (s) => s.end(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`),
      async (srv) => {
        const res = await get(srv);
        await assert.rejects(readLent(res), (e: unknown) => e instanceof NetworkError && /^HPE_/.test(e.code ?? ''), JSON.stringify(body));
      },
    );
  }
});

test('Content-Length lies: a body cut short fails as a reset (retried by pulls); bytes past the length are not read', async () => {
  await withServer(
    (s) => s.end(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${'a'.repeat(500)}`),
    async (srv) => {
      const res = await get(srv);
      await assert.rejects(readLent(res), (e: unknown) => {
        assert.ok(e instanceof NetworkError);
        assert.equal(e.code, 'ECONNRESET');
        assert.match(e.message, /connection closed after 500 of 1000 bytes/);
        return true;
      });
    },
  );
  await withServer(
    (s) => s.end(`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n${'b'.repeat(10)}${'c'.repeat(5000)}`),
    async (srv) => assert.equal((await readLent(await get(srv))).toString(), 'b'.repeat(10)),
  );
  // A chunked body the server closes inside of; an answer cut inside its headers.
  await withServer(
    (s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc'),
    async (srv) => await assert.rejects(readLent(await get(srv)), /connection closed after 3 bytes, inside a chunked body/),
  );
  await withServer(
    (s) => s.end('HTTP/1.1 200 OK\r\nContent-Le'),
    async (srv) => await assert.rejects(get(srv), (e: unknown) => e instanceof NetworkError && e.code === 'ECONNRESET'),
  );
});

test('a server that goes silent (before the answer, or mid-body) hits the watchdog; a caller that holds the body back does not', async () => {
  await withServer(
    (s) => s.write('HTTP/1.1 200 OK\r\nContent-Len'),
    async (srv) => {
      const started = Date.now();
      await assert.rejects(get(srv, transport(300)), (e: unknown) => e instanceof StalledError && /sent no answer for 0\.3 s/.test(e.message));
      assert.ok(Date.now() - started < 3000);
    },
  );
  // A slow loris: a byte now and then keeps the watchdog quiet, but the headers stay bounded.
  await withServer(
    (s) => {
      s.write('HTTP/1.1 200 OK\r\nX: ');
      const t = setInterval(() => s.write('a'.repeat(2048)), 20);
      s.on('close', () => clearInterval(t));
    },
    async (srv) => await assert.rejects(get(srv, transport(300)), (e: unknown) => e instanceof NetworkError && e.code === 'HPE_HEADER_OVERFLOW'),
  );
  await withServer(
    (s) => s.write(`HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n${'a'.repeat(100)}`),
    async (srv) => {
      const res = await get(srv, transport(300));
      await assert.rejects(readLent(res), (e: unknown) => e instanceof StalledError && /sent nothing more for 0\.3 s/.test(e.message));
    },
  );
  const data = randomBytes(4 * 1024 * 1024);
  await withServer(
    (s) => s.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${data.length}\r\n\r\n`), data])),
    async (srv) => {
      const res = await get(srv, transport(300));
      await sleep(900); // the ring fills, the socket waits for us: our silence, not the server's
      assert.deepEqual(await readLent(res), data);
    },
  );
});

test('a blob GET redirected to another host is followed with the lean reader, without the credentials', async () => {
  const data = randomBytes(70_000);
  await withServer(
    (s) => s.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${data.length}\r\n\r\n`), data])),
    async (storage) => {
      await withServer(
        (s) => s.end(`HTTP/1.1 307 Temporary Redirect\r\nLocation: ${storage.url('/bucket/blob?sig=1').href}\r\nContent-Length: 4\r\n\r\nmove`),
        async (srv) => {
          const res = await get(srv, transport(), { authorization: 'Bearer secret' });
          assert.equal(res.url.href, storage.url('/bucket/blob?sig=1').href);
          assert.deepEqual(await readLent(res), data);
          assert.match(storage.requests[0]!, /^GET \/bucket\/blob\?sig=1 HTTP\/1\.1\r\n/);
          assert.doesNotMatch(storage.requests[0]!, /authorization/i, 'credentials stay with the registry');
        },
      );
    },
  );
});

test('an error answer is read as a stream of copies (readBody), like any response', async () => {
  await withServer(
    (s) => s.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 33\r\n\r\n{"errors":[{"code":"NOT_FOUND"}]}'),
    async (srv) => {
      const res = await get(srv);
      assert.equal(res.status, 404);
      assert.equal(res.statusText, 'Not Found');
      assert.equal((await readBody(res)).toString(), '{"errors":[{"code":"NOT_FOUND"}]}');
    },
  );
});
