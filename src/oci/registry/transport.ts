// HTTP(S) requests to registries on node:http/https (not fetch: we need extra CAs per agent,
// the socket error codes, and streamed bodies both ways). Retries transient failures with
// exponential backoff; follows redirects (blob downloads often go to object storage).
// A registry that accepts the connection and then sends nothing is given up on after
// $LINUXKIT_REGISTRY_TIMEOUT seconds of silence (default 30), before or during a response.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { plainGet } from './plain-get.js';
import type { BorrowedPieces } from '../store.js';
import { UserError } from '../../util/index.js';
import { log } from '../../util/index.js';
import { VERSION } from '../../version.js';

/** A request body: bytes, or a factory so a streamed body can be sent again on retry. */
export type Body = Buffer | (() => Readable);

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Body;
  /** A large body read once (a blob): over plain HTTP it is read with the lean reader (plain-get.ts). */
  bulk?: boolean;
}

export interface HttpResponse {
  status: number;
  /** The reason phrase after the status ("Not Found"), possibly empty. */
  statusText: string;
  headers: IncomingHttpHeaders;
  /** The body stream; the caller must consume or `resume()` it. */
  body: Readable;
  /** The same body lent in reused runs, when read with the lean reader (plain-get.ts); read one or the other. */
  borrowed?: BorrowedPieces;
  /** The URL finally answered (after redirects). */
  url: URL;
}

export interface TransportOptions {
  /** PEM files with extra CA certificates, added to Node's bundled roots (LinuxKit's --cert-file). */
  certFiles?: string[];
  /** Attempts for transient failures (connection reset, 5xx, 429). */
  attempts?: number;
  /** First backoff delay in ms; doubles each retry. */
  backoffMs?: number;
  /** Silence allowed (connecting, waiting for an answer, or mid-body), in ms; else $LINUXKIT_REGISTRY_TIMEOUT. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Seconds a registry may stay silent before a request is given up (docs/registry.md). */
export const ENV_REGISTRY_TIMEOUT = 'LINUXKIT_REGISTRY_TIMEOUT';
const DEFAULT_TIMEOUT_MS = 30_000;

/** The silence allowed, from $LINUXKIT_REGISTRY_TIMEOUT (seconds, fractions allowed) or the default. */
export function timeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[ENV_REGISTRY_TIMEOUT];
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_MS;
  const secs = Number(raw);
  if (!Number.isFinite(secs) || secs <= 0) throw new UserError(`${ENV_REGISTRY_TIMEOUT}=${raw}: expected a number of seconds greater than 0`);
  return Math.round(secs * 1000);
}

/** Socket errors worth retrying: the registry may come back, or the path may clear. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
/**
 * Connection refused is retried too, but less: a registry that is down is the common case. So
 * is a registry that stayed silent for the whole timeout: one more try covers a connection that
 * died on the way, and more would only multiply the wait.
 */
const REFUSED_ATTEMPTS = 2;
const STALLED_ATTEMPTS = 2;
const MAX_REDIRECTS = 5;
const MAX_RETRY_AFTER_MS = 10_000;

export const USER_AGENT = `linuxkit-ts/${VERSION}`;

/** A network-level failure (no HTTP answer), with the socket error code. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

/** The registry sent nothing for `ms`: while connecting, before answering, or mid-body. */
export class StalledError extends NetworkError {
  constructor(
    message: string,
    readonly ms: number,
  ) {
    super(message, 'ETIMEDOUT');
    this.name = 'StalledError';
  }
}

export class Transport {
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  private readonly httpsAgent: HttpsAgent;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  constructor(opts: TransportOptions = {}) {
    const extra = (opts.certFiles ?? []).map((f) => {
      try {
        return readFileSync(f, 'utf8');
      } catch (e) {
        throw new UserError(`failed to read certificate file "${f}": ${(e as Error).message}`, undefined, { cause: e });
      }
    });
    this.httpsAgent = new HttpsAgent({
      keepAlive: true,
      maxSockets: 16,
      ...(extra.length ? { ca: [...rootCertificates, ...extra] } : {}),
    });
    this.attempts = opts.attempts ?? 5;
    this.backoffMs = opts.backoffMs ?? 250;
    this.timeoutMs = opts.timeoutMs ?? timeoutFromEnv(opts.env);
  }

  /** The silence allowed per request, in ms (for messages and progress). */
  get timeout(): number {
    return this.timeoutMs;
  }

  /**
   * Sends a request, retrying transient failures. A final 5xx/429 is returned (not thrown)
   * so the caller can word the error; a final network failure throws NetworkError.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    let refused = 0;
    let stalled = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.sendFollowingRedirects(req);
        const retryable = res.status >= 500 || res.status === 429;
        if (!retryable || attempt >= this.attempts) return res;
        const delay = this.delay(attempt, res.headers['retry-after']);
        log.debug(`${req.method} ${req.url.host}${req.url.pathname}: HTTP ${res.status}, retrying in ${delay} ms`);
        res.body.resume();
        await sleep(delay);
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        const refusedNow = e.code === 'ECONNREFUSED';
        if (refusedNow) refused++;
        if (e instanceof StalledError && ++stalled >= STALLED_ATTEMPTS) throw e;
        const transient = TRANSIENT_CODES.has(e.code ?? '') || (refusedNow && refused < REFUSED_ATTEMPTS);
        if (!transient || attempt >= this.attempts) throw e;
        const delay = this.delay(attempt, undefined);
        log.debug(`${req.method} ${req.url.host}${req.url.pathname}: ${e.message}, retrying in ${delay} ms`);
        await sleep(delay);
      }
    }
  }

  /** Exponential backoff with jitter, or the server's Retry-After (capped). */
  private delay(attempt: number, retryAfter: string | string[] | undefined): number {
    const ra = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
    if (ra !== undefined) {
      const secs = Number(ra);
      const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(ra) - Date.now();
      if (ms >= 0) return Math.min(ms, MAX_RETRY_AFTER_MS);
    }
    const base = this.backoffMs * 2 ** (attempt - 1);
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  private async sendFollowingRedirects(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let headers = { ...req.headers };
    for (let hop = 0; ; hop++) {
      const res = await this.sendOnce({ ...req, url, headers });
      const location = res.headers.location;
      if (![301, 302, 303, 307, 308].includes(res.status) || !location || hop >= MAX_REDIRECTS) return res;
      if (req.method !== 'GET' && req.method !== 'HEAD') return res;
      res.body.resume();
      const next = new URL(location, url);
      // Credentials for the registry must not leak to object storage on another host.
      if (next.host !== url.host) {
        const { authorization: _dropped, Authorization: _dropped2, ...rest } = headers;
        headers = rest;
      }
      url = next;
    }
  }

  private sendOnce(req: HttpRequest): Promise<HttpResponse> {
    if (req.bulk && req.method === 'GET' && req.body === undefined && req.url.protocol === 'http:') return this.sendPlain(req);
    return new Promise((resolve, reject) => {
      const https = req.url.protocol === 'https:';
      const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...req.headers };
      const body = typeof req.body === 'function' ? req.body() : req.body;
      if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
      let response: IncomingMessage | undefined;
      const r = (https ? httpsRequest : httpRequest)(req.url, { method: req.method, headers, agent: https ? this.httpsAgent : this.httpAgent }, (res) => {
        response = res;
        res.once('close', stopWatching);
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: res, url: req.url });
      });
      // Our own watchdog, not the socket's setTimeout: that one starts only once TCP has
      // connected and, on a TLS socket, fires after twice the time asked (Node 20). Any byte
      // read or written on the socket, or sent from a streamed body, restarts it; so it covers
      // connecting, the TLS handshake, waiting for the answer and every gap in the body alike.
      const watchdog = setTimeout(() => {
        const err = this.stalled(req, response !== undefined);
        if (response) response.destroy(err);
        r.destroy(err);
      }, this.timeoutMs);
      const kick = () => watchdog.refresh();
      let socket: Socket | undefined;
      r.once('socket', (s: Socket) => {
        socket = s;
        s.on('data', kick);
        s.on('drain', kick);
      });
      r.once('finish', kick);
      // Once the answer is read (or abandoned), the socket may serve another request.
      function stopWatching(): void {
        clearTimeout(watchdog);
        socket?.off('data', kick);
        socket?.off('drain', kick);
      }
      r.once('close', () => {
        if (!response) stopWatching();
      });
      r.on('error', (e: NodeJS.ErrnoException) => {
        // A streamed body (an open blob file) must not outlive a failed request.
        if (body !== undefined && !Buffer.isBuffer(body)) body.destroy();
        reject(e instanceof NetworkError ? e : new NetworkError(`${req.method} ${req.url.href}: ${e.message}`, e.code, { cause: e }));
      });
      if (body === undefined) r.end();
      else if (Buffer.isBuffer(body)) r.end(body);
      else {
        body.on('error', (e) => r.destroy(e));
        body.on('data', kick);
        body.pipe(r);
      }
    });
  }

  /** A GET over plain HTTP on a connection of its own, read without an allocation per socket read. */
  private async sendPlain(req: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...req.headers };
    const res = await plainGet(req.url, headers, this.timeoutMs, {
      network: (message, code, cause) => new NetworkError(`${req.method} ${req.url.href}: ${message}`, code, { cause }),
      stalled: (answered) => this.stalled(req, answered),
    });
    return { ...res, url: req.url };
  }

  /** The registry sent nothing for the whole timeout, before its answer or during the body. */
  private stalled(req: HttpRequest, answered: boolean): StalledError {
    const what = answered ? 'sent nothing more' : 'sent no answer';
    return new StalledError(`${req.method} ${req.url.href}: ${what} for ${seconds(this.timeoutMs)}`, this.timeoutMs);
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Reads a (small) response body whole, refusing more than `limit` bytes (with `tooLarge` as the message). */
export async function readBody(res: HttpResponse, limit = 8 * 1024 * 1024, tooLarge = `${res.url.href}: response larger than ${limit} bytes`): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.body.destroy();
      throw new UserError(tooLarge);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** "30 s", "1.5 s": a timeout as messages show it. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
