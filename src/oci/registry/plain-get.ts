// A lean HTTP/1.1 GET for blob bodies from plain-HTTP registries (loopback ones, mirrors). Node's
// http client costs 0.3–0.5 CPU s to read 40 MB from a local registry, most of it a fresh 64 KiB
// buffer for every socket read (fresh memory costs ~4 ms per MiB here, in page faults and GC,
// wherever it is allocated). Here the socket reads (net.connect's `onread`) straight into runs
// of up to 1 MiB taken from a small ring of reused buffers, and headers and chunked framing into
// one scratch buffer whose body bytes are copied into the ring. `borrowed` lends each run until
// the next is asked for (the cache writes it with one writev first); `body` is a stream of copies
// for everyone else. TLS sockets take no `onread`, so https keeps node's client (transport.ts).
//
// Strict and bounded: a status line and headers of at most 16 KiB (node's own limit), CRLF line
// ends, token header names, one framing (Content-Length or chunked, never both; neither: the
// body runs to the close, which `Connection: close` asks for), chunk-size lines of at most 1 KiB.
// Whatever breaks these rules, or a body cut short, fails with an error from `fail` carrying the
// code node's client would give (HPE_*, ECONNRESET), so callers retry and word it as before.
import { connect, type Socket } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { BorrowedPieces } from '../store.js';

/** The most a status line and its headers (or a chunked body's trailers) may take. */
export const MAX_HEAD_BYTES = 16 * 1024;
const MAX_CHUNK_LINE = 1024;
/** The scratch buffer's size: the most a read of headers or chunked framing takes at once. */
const READ_BUFFER = 64 * 1024;
/** Bytes of body gathered before they go downstream as one Buffer. */
const RUN = 1024 * 1024;
/** Runs a connection fills before it waits for the caller: one lent, one filling. */
const RING = 2;

/** How failures become the transport's errors. */
export interface PlainGetErrors {
  /** A socket error or a broken response; `code` as node's http client names it. */
  network(message: string, code: string | undefined, cause?: unknown): Error;
  /** Silence for the whole timeout; `answered`: the status line had come. */
  stalled(answered: boolean): Error;
}

export interface PlainResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** The body as a stream of Buffers that are the caller's to keep. */
  body: Readable;
  /** The same body lent in reused runs (see BorrowedPieces); read either this or `body`, not both. */
  borrowed: BorrowedPieces;
}

/** Headers node's client keeps once (the first) when a response repeats them. */
const SINGLE = new Set(['content-length', 'content-type', 'location', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: ([^\0]*))?$/;
const CHUNK_LINE = /^([0-9A-Fa-f]{1,13})[ \t]*(?:;[^\0]*)?$/;

/**
 * GETs `url` (http: only) on a connection of its own, sending `headers`; resolves once the
 * status line and headers are in. Silence for `timeoutMs` (connecting, before the answer, or
 * mid-body while the caller is reading) fails it with `errors.stalled`.
 */
export function plainGet(url: URL, headers: Record<string, string>, timeoutMs: number, errors: PlainGetErrors): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    let request: Buffer;
    try {
      request = requestHead(url, headers);
    } catch (e) {
      reject(e as Error);
      return;
    }
    const reader = new BodyReader(errors, resolve, reject);
    const socket = connect({
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(url.port || 80),
      onread: {
        // Asked after every read for where the next one goes: into the ring, or the scratch buffer.
        buffer: () => reader.nextBuffer(),
        callback: (n: number, buf: Uint8Array) => {
          watchdog.refresh();
          reader.onRead(n, buf);
          return true;
        },
      },
    });
    reader.attach(socket);
    // Any byte read restarts it; while the caller holds the body back (socket paused) it waits.
    const watchdog = setTimeout(() => {
      if (reader.waitingForCaller()) watchdog.refresh();
      else reader.fail(errors.stalled(reader.answered));
    }, timeoutMs);
    reader.onDone(() => clearTimeout(watchdog));
    socket.on('connect', () => watchdog.refresh());
    socket.on('error', (e: NodeJS.ErrnoException) => reader.fail(errors.network(e.message, e.code, e)));
    socket.on('end', () => reader.closed());
    socket.on('close', () => reader.closed());
    // Not end(): a server may take the client's half-close for a cancelled request (Go's does).
    socket.write(request);
  });
}

/** The request: GET, Host, our headers, `Connection: close`. Refuses a header that would split the request. */
function requestHead(url: URL, headers: Record<string, string>): Buffer {
  let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) throw new TypeError(`invalid HTTP header ${JSON.stringify(name)}`);
    if (name.toLowerCase() !== 'connection' && name.toLowerCase() !== 'host') head += `${name}: ${value}\r\n`;
  }
  return Buffer.from(`${head}Connection: close\r\n\r\n`, 'latin1');
}

type State = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'done';

/** A run of body bytes ready for the caller: `piece` is a view of `memory` (a ring buffer). */
interface Run {
  piece: Buffer;
  memory: Buffer;
}

/** Parses one response out of the socket's reads; copies every body byte it keeps into the ring. */
class BodyReader {
  private state: State = 'head';
  private socket: Socket | undefined;
  private readonly head = Buffer.allocUnsafe(MAX_HEAD_BYTES);
  /** Where reads go that are not body bytes in place: headers, chunked framing. */
  private readonly scratch = Buffer.allocUnsafe(READ_BUFFER);
  /** The view of the ring nextBuffer() gave for the next read, if it gave one. */
  private inPlace: Buffer | undefined;
  private headLen = 0;
  private line = '';
  private trailerBytes = 0;
  /** Body (Content-Length) or chunk bytes still to come; -1: until the connection closes. */
  private remaining = 0;
  private received = 0;
  private declared: number | undefined;
  // The ring: buffers free to fill, the one filling, full runs waiting for the caller.
  private readonly free: Buffer[] = [];
  private allocated = 0;
  private filling: Buffer | undefined;
  private filled = 0;
  private readonly ready: Run[] = [];
  /** The body is complete (`ready` holds the rest), or failed. */
  private complete = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private taken = false;
  private paused = false;
  private readonly done: Array<() => void> = [];
  answered = false;

  constructor(
    private readonly errors: PlainGetErrors,
    private readonly resolve: (r: PlainResponse) => void,
    private readonly reject: (e: Error) => void,
  ) {}

  attach(socket: Socket): void {
    this.socket = socket;
  }

  onDone(f: () => void): void {
    this.done.push(f);
  }

  /** The caller has not taken the runs already read: silence is ours, not the registry's. */
  waitingForCaller(): boolean {
    return this.paused;
  }

  feed(buf: Buffer, n: number): void {
    let i = 0;
    while (i < n && this.state !== 'done') {
      switch (this.state) {
        case 'head':
          i += this.readHead(buf, i, n);
          break;
        case 'body':
        case 'chunk-data': {
          const take = this.remaining < 0 ? n - i : Math.min(n - i, this.remaining);
          this.keep(buf, i, take);
          i += take;
          if (this.remaining >= 0) this.remaining -= take;
          if (this.remaining === 0) {
            if (this.state === 'body') this.finish();
            else this.state = 'chunk-end';
          }
          break;
        }
        case 'chunk-size':
        case 'chunk-end':
        case 'trailers':
          i += this.readLine(buf, i, n);
          break;
      }
    }
    // Anything after the response is not ours to read (we asked for the connection's close).
  }

  /** Gathers the status line and headers; returns the bytes of `buf` used. */
  private readHead(buf: Buffer, from: number, n: number): number {
    const before = this.headLen;
    const take = Math.min(n - from, MAX_HEAD_BYTES - before);
    buf.copy(this.head, before, from, from + take);
    this.headLen += take;
    const end = this.head.subarray(0, this.headLen).indexOf('\r\n\r\n', Math.max(0, before - 3), 'latin1');
    if (end < 0) {
      if (this.headLen >= MAX_HEAD_BYTES) this.broken(`response headers larger than ${MAX_HEAD_BYTES} bytes`, 'HPE_HEADER_OVERFLOW');
      return take;
    }
    const text = this.head.toString('latin1', 0, end);
    this.headLen = 0;
    this.parseHead(text);
    return end + 4 - before;
  }

  private parseHead(text: string): void {
    const lines = text.split('\r\n');
    const status = STATUS_LINE.exec(lines[0]!);
    if (!status || lines.some((l) => /[\r\n\0]/.test(l))) return this.broken('malformed status line', 'HPE_INVALID_CONSTANT');
    const code = Number(status[1]);
    const headers: IncomingHttpHeaders = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      if (colon <= 0 || !TOKEN.test(name)) return this.broken(`malformed header line ${JSON.stringify(line.slice(0, 80))}`, 'HPE_INVALID_HEADER_TOKEN');
      const value = line.slice(colon + 1).trim();
      const had = headers[name];
      if (name === 'content-length' && had !== undefined && had !== value)
        return this.broken('conflicting Content-Length headers', 'HPE_UNEXPECTED_CONTENT_LENGTH');
      if (name === 'set-cookie') headers[name] = [...((had as string[] | undefined) ?? []), value];
      else if (had === undefined) headers[name] = value;
      else if (!SINGLE.has(name)) headers[name] = `${had as string}, ${value}`;
    }
    // 1xx answers (100 Continue, 103 Early Hints) come before the real one.
    if (code < 200) return;
    const te = headers['transfer-encoding'] as string | undefined;
    const cl = headers['content-length'] as string | undefined;
    if (te !== undefined && cl !== undefined) return this.broken('both Transfer-Encoding and Content-Length', 'HPE_UNEXPECTED_CONTENT_LENGTH');
    if (te !== undefined && te.toLowerCase() !== 'chunked')
      return this.broken(`unsupported Transfer-Encoding ${JSON.stringify(te)}`, 'HPE_INVALID_TRANSFER_ENCODING');
    if (cl !== undefined && !/^\d{1,15}$/.test(cl))
      return this.broken(`invalid Content-Length ${JSON.stringify(cl.slice(0, 40))}`, 'HPE_INVALID_CONTENT_LENGTH');
    this.answered = true;
    const lend = (): AsyncGenerator<Buffer> => this.runs();
    const body = Readable.from(copies(lend), { objectMode: false });
    // A body destroyed before (or while) it is read must not leave the connection open.
    body.once('close', () => this.fail(new Error('response body abandoned')));
    this.resolve({ status: code, statusText: status[2] ?? '', headers, body, borrowed: { borrowed: true, [Symbol.asyncIterator]: lend } });
    if (code === 204 || code === 304) this.finish();
    else if (te !== undefined) this.state = 'chunk-size';
    else if (cl !== undefined) {
      this.declared = Number(cl);
      this.remaining = this.declared;
      this.state = 'body';
      if (this.remaining === 0) this.finish();
    } else {
      this.remaining = -1;
      this.state = 'body';
    }
  }

  /** Reads one CRLF-ended line (chunk size, the CRLF after a chunk, a trailer); returns the bytes used. */
  private readLine(buf: Buffer, from: number, n: number): number {
    const lf = buf.indexOf(10, from);
    const to = lf < 0 || lf >= n ? n : lf + 1;
    const used = to - from;
    this.line += buf.toString('latin1', from, to);
    if (this.state === 'trailers') this.trailerBytes += used;
    if (this.line.length > (this.state === 'trailers' ? MAX_HEAD_BYTES : MAX_CHUNK_LINE) || this.trailerBytes > MAX_HEAD_BYTES) {
      this.broken(this.state === 'trailers' ? 'chunked trailers too large' : 'chunk size line too long', 'HPE_INVALID_CHUNK_SIZE');
      return used;
    }
    if (!this.line.endsWith('\n')) return used;
    if (!this.line.endsWith('\r\n')) {
      this.broken('line not ended by CRLF in a chunked body', 'HPE_LF_EXPECTED');
      return used;
    }
    const text = this.line.slice(0, -2);
    this.line = '';
    if (this.state === 'chunk-end') {
      if (text !== '') this.broken('chunk not followed by CRLF', 'HPE_INVALID_CHUNK_SIZE');
      else this.state = 'chunk-size';
    } else if (this.state === 'chunk-size') {
      const m = CHUNK_LINE.exec(text);
      if (!m) this.broken(`invalid chunk size ${JSON.stringify(text.slice(0, 40))}`, 'HPE_INVALID_CHUNK_SIZE');
      else if ((this.remaining = parseInt(m[1]!, 16)) === 0) this.state = 'trailers';
      else this.state = 'chunk-data';
    } else if (text === '') this.finish(); // the empty line after the trailers (if any)
    return used;
  }

  /**
   * Where the socket's next read goes: straight into the run being filled while a plain body
   * (Content-Length or to the close) streams in and the ring has room, so its bytes are never
   * copied; else the scratch buffer (headers, chunked framing, the first read after a pause).
   */
  nextBuffer(): Buffer {
    this.inPlace = undefined;
    if (this.state !== 'body' || this.paused) return this.scratch;
    if (!this.filling) {
      if (this.free.length === 0 && this.allocated >= RING) return this.scratch;
      this.filling = this.free.pop() ?? this.allocate();
      this.filled = 0;
    }
    return (this.inPlace = this.filling.subarray(this.filled));
  }

  /** `n` bytes were read into `buf`, the buffer nextBuffer() gave last. */
  onRead(n: number, buf: Uint8Array): void {
    if (buf === this.scratch) return this.feed(this.scratch, n);
    if (buf !== this.inPlace) return this.fail(new Error('plain-get: a socket read landed in a buffer it was not given'));
    // Bytes past the declared end are not ours (the server was asked to close after the body).
    const take = this.remaining < 0 ? n : Math.min(n, this.remaining);
    if (this.remaining >= 0) this.remaining -= take;
    this.placed(take);
    if (this.remaining === 0 && this.state === 'body') this.finish();
  }

  /**
   * Copies body bytes out of the scratch buffer (which the next read overwrites) into the ring.
   * The socket is paused once the ring is full; the rest of this read still needs a place, so
   * then the ring grows by one (once: paused, no more reads come).
   */
  private keep(buf: Buffer, from: number, len: number): void {
    while (len > 0) {
      if (!this.filling) {
        this.filling = this.free.pop() ?? this.allocate();
        this.filled = 0;
      }
      const take = Math.min(len, this.filling.length - this.filled);
      buf.copy(this.filling, this.filled, from, from + take);
      from += take;
      len -= take;
      this.placed(take);
    }
  }

  /** `n` more bytes of the run being filled are in place; a full run goes to the caller. */
  private placed(n: number): void {
    this.received += n;
    this.filled += n;
    if (this.filled < this.filling!.length) return;
    this.handOver();
    if (this.free.length === 0 && this.allocated >= RING) this.pauseSocket();
  }

  /** A new ring buffer: a Content-Length body smaller than a run needs no more than its size. */
  private allocate(): Buffer {
    this.allocated++;
    return Buffer.allocUnsafe(this.declared === undefined ? RUN : Math.max(1, Math.min(RUN, this.declared)));
  }

  /** The run being filled goes to the caller, whole or (the last one) in part. */
  private handOver(): void {
    const memory = this.filling;
    if (!memory) return;
    this.filling = undefined;
    if (this.filled > 0) this.ready.push({ piece: this.filled === memory.length ? memory : memory.subarray(0, this.filled), memory });
    else this.free.push(memory);
    this.notify();
  }

  /** The runs, each lent until the next is asked for; one reader only. Leaving early ends the download. */
  private async *runs(): AsyncGenerator<Buffer> {
    if (this.taken) throw new Error('a response body can be read once');
    this.taken = true;
    try {
      for (;;) {
        while (this.ready.length === 0 && !this.complete) await new Promise<void>((r) => (this.wake = r));
        if (this.error) throw this.error;
        const run = this.ready.shift();
        if (!run) return;
        yield run.piece;
        this.free.push(run.memory);
        this.resumeSocket();
      }
    } finally {
      this.end();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private pauseSocket(): void {
    if (this.paused || this.state === 'done') return;
    this.paused = true;
    this.socket?.pause();
  }

  private resumeSocket(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket?.resume();
  }

  /** The whole body is in: hand over the last run and end. */
  private finish(): void {
    this.handOver();
    this.end();
    this.complete = true;
    this.notify();
  }

  /** The connection ended: the body's end when it runs to the close; before its end, a fault. */
  closed(): void {
    if (this.state === 'done') return;
    if (this.state === 'body' && this.remaining < 0) return this.finish();
    const where = !this.answered
      ? 'connection closed before a complete answer'
      : this.declared !== undefined
        ? `connection closed after ${this.received} of ${this.declared} bytes`
        : `connection closed after ${this.received} bytes, inside a chunked body`;
    this.fail(this.errors.network(where, 'ECONNRESET'));
  }

  private broken(what: string, code: string): void {
    this.fail(this.errors.network(`Parse Error: ${what}`, code));
  }

  /** Fails the answer (before the headers are in) or the body (after: at the caller's next read). */
  fail(err: Error): void {
    if (this.state === 'done') return;
    const answered = this.answered;
    this.end();
    if (!answered) {
      this.reject(err);
      return;
    }
    this.error = err;
    this.complete = true;
    this.ready.length = 0;
    this.notify();
  }

  /** No more reading: the socket goes, the watchdog stops. */
  private end(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.socket?.destroy();
    for (const f of this.done.splice(0)) f();
  }
}

/** Runs copied into memory of their own, for readers that keep what they read. */
async function* copies(runs: () => AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  for await (const run of runs()) yield Buffer.from(run);
}
