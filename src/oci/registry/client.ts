// A client for the OCI distribution API (/v2/): manifests and blobs, both ways, with
// authentication, mirrors, plain-HTTP rules and clear errors. One client per command; it
// keeps connections, the scheme each registry answered on, and tokens per scope.
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { UserError } from '../../util/index.js';
import { log } from '../../util/index.js';
import { MediaType, type Descriptor } from '../types.js';
import type { BorrowedPieces } from '../store.js';
import { checkDescriptor, checkMediaType, digestOf, mediaTypeProblem, parseDigest, sizeProblem } from '../descriptor.js';
import { waitingFor } from '../progress.js';
import { manifestSelector, referenceString, type Reference } from '../reference.js';
import { parseChallenge, repoScope, tokenURL, type Challenge } from './auth.js';
import { dockerCredentials, type CredentialSource, type Credentials } from './credentials.js';
import { Hosts, insecureFromEnv, parseMirrors, type Endpoint } from './hosts.js';
import {
  ENV_REGISTRY_TIMEOUT,
  NetworkError,
  readBody,
  seconds,
  StalledError,
  Transport,
  type Body,
  type HttpRequest,
  type HttpResponse,
  type TransportOptions,
} from './transport.js';

/** Manifest media types we read, best first (sent as Accept). */
export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList, MediaType.dockerManifest];
const SCHEMA1 = /application\/vnd\.docker\.distribution\.manifest\.v1/;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface RegistryClientOptions extends TransportOptions {
  /** Mirror settings as given to `--mirror` ($LINUXKIT_MIRROR is read too). */
  mirrors?: string[];
  /** Registries (host[:port]) allowed over plain HTTP, besides loopback ones and $LINUXKIT_INSECURE_REGISTRIES. */
  insecureRegistries?: string[];
  /** Where credentials come from; Docker's config.json by default. */
  credentials?: CredentialSource;
  env?: NodeJS.ProcessEnv;
}

/** A repository on a registry: a reference without tag/digest is enough. */
export type Repo = Pick<Reference, 'domain' | 'path'>;

export interface FetchedManifest {
  descriptor: Descriptor;
  body: Buffer;
}

interface EndpointState extends Endpoint {
  scheme?: 'https' | 'http';
  challenge?: Challenge;
  /** Checked once; undefined = not looked up yet, null = none. */
  credentials?: Credentials | null;
  tokens: Map<string, string>;
}

interface ApiRequest {
  method: string;
  /** What is being fetched or sent, for messages: `manifest of docker.io/library/alpine:3.20`. */
  what: string;
  /** Path after /v2/<prefix+repo>/, e.g. `manifests/latest`; or an absolute URL (upload locations). */
  path: string | URL;
  repo: Repo;
  push?: boolean;
  /** Extra scopes (cross-repository mount needs pull on the source). */
  extraScopes?: string[];
  headers?: Record<string, string>;
  body?: Body;
  /** A blob's body: read with the lean reader over plain HTTP (transport.ts). */
  bulk?: boolean;
}

export class RegistryClient {
  private readonly transport: Transport;
  private readonly hosts: Hosts;
  private readonly credentialSource: CredentialSource;
  private readonly endpoints = new Map<string, EndpointState>();

  constructor(opts: RegistryClientOptions = {}) {
    const env = opts.env ?? process.env;
    this.transport = new Transport(opts);
    this.hosts = new Hosts(parseMirrors(opts.mirrors ?? [], env), [...(opts.insecureRegistries ?? []), ...insecureFromEnv(env)]);
    this.credentialSource = opts.credentials ?? ((domain) => dockerCredentials(domain, env));
  }

  close(): void {
    this.transport.close();
  }

  /** GETs a manifest or index by tag or digest; verifies the digest of what came back. */
  async getManifest(ref: Reference): Promise<FetchedManifest> {
    const name = referenceString(ref);
    // A pinned digest is checked before it becomes part of a URL, and the body against it after.
    const pinned = ref.digest === undefined ? undefined : parseDigest(ref.digest, `manifest of ${name}`);
    const res = await this.api({
      method: 'GET',
      what: `manifest of ${name}`,
      path: `manifests/${manifestSelector(ref)}`,
      repo: ref,
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
    });
    if (res.status !== 200) throw await this.httpError(res, `cannot get manifest of ${name}`, ref);
    const body = await readBody(res, MAX_MANIFEST_BYTES);
    const mediaType = checkMediaType(manifestMediaType(res, body, name), `manifest of ${name} from ${ref.domain}`);
    const claimed = headerDigest(res);
    const expected = ref.digest ?? claimed;
    if (expected !== undefined) {
      const what = pinned ? `manifest of ${name}` : `manifest of ${name}: the registry's Docker-Content-Digest`;
      const got = digestOf(body, (pinned ?? parseDigest(expected, what)).algorithm);
      if (got !== expected) throw new UserError(`manifest of ${name} from ${ref.domain} has digest ${got}, expected ${expected}`);
    }
    // The store names blobs by sha256, whatever algorithm pinned the manifest.
    return { descriptor: { mediaType, digest: pinned?.algorithm === 'sha256' ? ref.digest! : digestOf(body), size: body.length }, body };
  }

  /** GETs a manifest named by a descriptor (from an index) and checks its digest and size. */
  async getManifestByDescriptor(repo: Repo, desc: Descriptor): Promise<Buffer> {
    checkDescriptor(desc, `manifest of ${repo.domain}/${repo.path}`);
    const got = await this.getManifest({ ...repo, digest: desc.digest });
    if (got.body.length !== desc.size) {
      throw new UserError(`manifest ${desc.digest} of ${repo.domain}/${repo.path} is ${got.body.length} bytes, expected ${desc.size}`);
    }
    return got.body;
  }

  /**
   * HEADs a manifest: its descriptor, or undefined if the registry does not have it. With
   * `push`, asks the registry itself (never a mirror) with push scope.
   */
  async headManifest(ref: Reference, push = false): Promise<Descriptor | undefined> {
    const name = referenceString(ref);
    if (ref.digest !== undefined) parseDigest(ref.digest, `manifest of ${name}`);
    const res = await this.api({
      method: 'HEAD',
      what: `manifest of ${name}`,
      path: `manifests/${manifestSelector(ref)}`,
      repo: ref,
      push,
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
    });
    res.body.resume();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await this.httpError(res, `cannot check manifest of ${name}`, ref, push);
    const digest = headerDigest(res);
    if (!digest) return undefined;
    const ct = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    const size = Number(res.headers['content-length'] ?? 0);
    // Digest and size are checked like any descriptor's; some registries send no content type
    // on HEAD, so one that is absent or not a media type is left empty (unknown), never passed on.
    const what = `manifest of ${name} as ${ref.domain} describes it`;
    parseDigest(digest, what);
    const bad = sizeProblem(size);
    if (bad) throw new UserError(`${what}: ${bad}`);
    return { mediaType: mediaTypeProblem(ct) ? '' : ct, digest, size };
  }

  /**
   * A stream of a blob's bytes. With `verify` (the default) it fails at the end if the size
   * or digest differ from `desc`, so nothing downstream can keep a corrupt blob. `onBytes`
   * sees each chunk's length as it passes (progress bars). Without `verify` (a store that
   * verifies what it takes), a plain-HTTP registry's blob comes as BorrowedPieces.
   */
  async getBlob(
    repo: Repo,
    desc: Pick<Descriptor, 'digest' | 'size'>,
    opts: { verify?: boolean; onBytes?: (n: number) => void } = {},
  ): Promise<Readable | BorrowedPieces> {
    const what = `blob ${desc.digest} of ${repo.domain}/${repo.path}`;
    parseDigest(desc.digest, what);
    const res = await this.api({ method: 'GET', what, path: `blobs/${desc.digest}`, repo, bulk: true });
    if (res.status !== 200) throw await this.httpError(res, `cannot get ${what}`, repo);
    if (opts.verify === false && res.borrowed) return counted(res.borrowed, opts.onBytes);
    if (opts.verify === false && !opts.onBytes) return res.body;
    const verifier = new VerifyStream(desc, what, opts.verify !== false, opts.onBytes);
    res.body.on('error', (e) => verifier.destroy(e));
    // A small body can end (and fail verification) before the consumer starts reading; the
    // error then stays on the stream (`errored`) and reaches the consumer when it reads, so
    // it must not also surface as an uncaught 'error' event.
    verifier.on('error', () => {});
    // If the consumer gives up, stop the download too.
    verifier.on('close', () => res.body.destroy());
    return res.body.pipe(verifier);
  }

  async hasBlob(repo: Repo, digest: string, push = false): Promise<boolean> {
    const what = `blob ${digest} in ${repo.domain}/${repo.path}`;
    parseDigest(digest, what);
    const res = await this.api({ method: 'HEAD', what, path: `blobs/${digest}`, repo, push });
    res.body.resume();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await this.httpError(res, `cannot check blob ${digest} in ${repo.domain}/${repo.path}`, repo, push);
  }

  /**
   * Uploads a blob unless the registry has it: tries a cross-repository mount from
   * `mountFrom` (same registry) first, then a monolithic PUT, or PATCH chunks of `chunkSize`.
   * `open` is called for each attempt, so a failed upload can start over.
   */
  async pushBlob(
    repo: Repo,
    desc: Pick<Descriptor, 'digest' | 'size'>,
    open: () => Readable,
    opts: { mountFrom?: Repo; chunkSize?: number } = {},
  ): Promise<'exists' | 'mounted' | 'uploaded'> {
    if (await this.hasBlob(repo, desc.digest, true)) return 'exists';
    const where = `${repo.domain}/${repo.path}`;
    const mountable = opts.mountFrom && opts.mountFrom.domain === repo.domain && opts.mountFrom.path !== repo.path;
    const query = mountable ? `?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(opts.mountFrom!.path)}` : '';
    const start = await this.api({
      method: 'POST',
      what: `upload of ${desc.digest} to ${where}`,
      path: `blobs/uploads/${query}`,
      repo,
      push: true,
      ...(mountable ? { extraScopes: [repoScope(opts.mountFrom!.path, false)] } : {}),
      headers: { 'content-length': '0' },
    });
    start.body.resume();
    if (start.status === 201) return 'mounted';
    if (start.status !== 202) throw await this.httpError(start, `cannot start upload of ${desc.digest} to ${where}`, repo, true);
    let location = uploadLocation(start);

    if (opts.chunkSize && desc.size > opts.chunkSize) {
      let offset = 0;
      for await (const chunk of chunked(open(), opts.chunkSize)) {
        const res = await this.api({
          method: 'PATCH',
          what: `upload of ${desc.digest} to ${where}`,
          path: location,
          repo,
          push: true,
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${offset}-${offset + chunk.length - 1}`,
          },
          body: chunk,
        });
        res.body.resume();
        if (res.status !== 202) throw await this.httpError(res, `upload of ${desc.digest} to ${where} failed`, repo, true);
        location = uploadLocation(res);
        offset += chunk.length;
      }
      return this.closeUpload(repo, desc.digest, location, { 'content-length': '0' });
    }
    return this.closeUpload(repo, desc.digest, location, { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) }, open);
  }

  /** The PUT that ends an upload session with the blob's digest (and its data, if monolithic): 201 or the upload failed. */
  private async closeUpload(repo: Repo, digest: string, location: URL, headers: Record<string, string>, body?: () => Readable): Promise<'uploaded'> {
    const what = `upload of ${digest} to ${repo.domain}/${repo.path}`;
    const res = await this.api({ method: 'PUT', what, path: withDigest(location, digest), repo, push: true, headers, ...(body && { body }) });
    res.body.resume();
    if (res.status !== 201) throw await this.httpError(res, `${what} failed`, repo, true);
    return 'uploaded';
  }

  /** PUTs a manifest or index under `ref`'s tag (or digest). Returns its digest. */
  async putManifest(ref: Reference, mediaType: string, body: Buffer): Promise<string> {
    const res = await this.api({
      method: 'PUT',
      what: `manifest ${referenceString(ref)}`,
      path: `manifests/${ref.tag ?? ref.digest}`,
      repo: ref,
      push: true,
      headers: { 'content-type': mediaType },
      body,
    });
    res.body.resume();
    if (res.status !== 201) throw await this.httpError(res, `cannot push manifest ${referenceString(ref)}`, ref, true);
    // The digest of what we sent; the registry's Docker-Content-Digest header adds nothing to trust.
    return digestOf(body);
  }

  // ---- plumbing ----

  private endpoint(repo: Repo, push: boolean): EndpointState {
    const key = `${push ? 'push' : 'pull'} ${repo.domain}`;
    let ep = this.endpoints.get(key);
    if (!ep) {
      ep = { ...this.hosts.endpoint(repo.domain, push ? 'push' : 'pull'), tokens: new Map() };
      this.endpoints.set(key, ep);
    }
    return ep;
  }

  /**
   * Sends one request, showing "waiting for …" on a terminal while no answer comes. The
   * transport gives up after the registry timeout; `label` names the registry and the request.
   */
  private async send(label: string, req: HttpRequest): Promise<HttpResponse> {
    const done = waitingFor(label, this.transport.timeout);
    try {
      return await this.transport.send(req);
    } finally {
      done();
    }
  }

  /** Finds which scheme the registry answers on (GET /v2/) and its auth challenge. */
  private async ping(ep: EndpointState, what: string): Promise<void> {
    if (ep.scheme) return;
    const failures: string[] = [];
    for (const scheme of ep.schemes) {
      const url = new URL(`${scheme}://${ep.host}/v2/`);
      try {
        const res = await this.send(`registry ${ep.host} (${scheme}://${ep.host}/v2/, for ${what})`, { method: 'GET', url });
        res.body.resume();
        // Over plain HTTP, only a registry's answers count: a TLS server's "400: client sent
        // an HTTP request to an HTTPS server" must not hide the HTTPS error before it.
        if (scheme === 'http' && res.status !== 200 && res.status !== 401) {
          failures.push(`http: answered HTTP ${res.status}`);
          continue;
        }
        ep.scheme = scheme;
        if (res.status === 401) ep.challenge = parseChallenge(header(res, 'www-authenticate'));
        log.debug(`registry ${ep.host}: ${scheme}, /v2/ answered ${res.status}`);
        return;
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        failures.push(`${scheme}: ${describeNetworkError(e)}`);
      }
    }
    const stalled = failures.some((f) => f.includes(STALL_HINT));
    const via = ep.mirror ? ` (mirror ${ep.host} for ${ep.domain})` : ep.host !== ep.domain ? ` (${ep.host})` : '';
    // "https: refused; http: refused" says no more than "refused".
    const reasons = failures.map((f) => f.replace(/^\w+: /, ''));
    const said = reasons.every((r) => r === reasons[0]) ? reasons[0] : failures.join('; ');
    throw new UserError(`cannot reach registry ${ep.domain}${via}${stalled ? ` while fetching ${what} (its API root /v2/)` : ''}: ${said}`);
  }

  private url(ep: EndpointState, repo: Repo, path: string): URL {
    const full = [ep.prefix, repo.path].filter(Boolean).join('/');
    return new URL(`${ep.scheme}://${ep.host}/v2/${full}/${path}`);
  }

  private async api(req: ApiRequest): Promise<HttpResponse> {
    const ep = this.endpoint(req.repo, Boolean(req.push));
    await this.ping(ep, req.what);
    const repoPath = [ep.prefix, req.repo.path].filter(Boolean).join('/');
    const scopes = [repoScope(repoPath, Boolean(req.push)), ...(req.extraScopes ?? [])];
    const url = req.path instanceof URL ? req.path : this.url(ep, req.repo, req.path);
    for (let attempt = 0; ; attempt++) {
      const auth = await this.authorization(ep, scopes);
      const headers = { ...req.headers, ...(auth ? { authorization: auth } : {}) };
      let res: HttpResponse;
      try {
        res = await this.send(`registry ${ep.host} (${req.what})`, {
          method: req.method,
          url,
          headers,
          ...(req.body ? { body: req.body } : {}),
          ...(req.bulk ? { bulk: true } : {}),
        });
      } catch (e) {
        if (e instanceof NetworkError) {
          const during = e instanceof StalledError ? ` while fetching ${req.what}` : '';
          throw new UserError(`cannot reach registry ${ep.domain}${ep.mirror ? ` (mirror ${ep.host})` : ''}${during}: ${describeNetworkError(e)}`);
        }
        throw e;
      }
      if (res.status !== 401 || attempt > 0) return res;
      // A new or wider challenge (e.g. insufficient_scope): take it and try once more.
      const ch = parseChallenge(header(res, 'www-authenticate'));
      if (!ch) return res;
      res.body.resume();
      ep.challenge = ch;
      ep.tokens.delete(scopes.join(' '));
    }
  }

  private async authorization(ep: EndpointState, scopes: string[]): Promise<string | undefined> {
    const ch = ep.challenge;
    if (!ch) return undefined;
    if (ep.credentials === undefined) ep.credentials = (await this.credentialSource(ep.mirror ? ep.host : ep.domain)) ?? null;
    const basic = ep.credentials ? `Basic ${Buffer.from(`${ep.credentials.username}:${ep.credentials.password}`).toString('base64')}` : undefined;
    if (ch.scheme === 'basic') return basic;
    const key = scopes.join(' ');
    let token = ep.tokens.get(key);
    if (!token) {
      token = await this.fetchToken(ep, ch, scopes, basic);
      ep.tokens.set(key, token);
    }
    return `Bearer ${token}`;
  }

  /** The token flow of Docker Hub and most registries: GET realm?service=…&scope=…. */
  private async fetchToken(ep: EndpointState, ch: Challenge, scopes: string[], basic: string | undefined): Promise<string> {
    const url = tokenURL(ch, scopes);
    let res: HttpResponse;
    try {
      res = await this.send(`token service ${url.host} (for ${ep.domain})`, { method: 'GET', url, headers: basic ? { authorization: basic } : {} });
    } catch (e) {
      if (e instanceof NetworkError) throw new UserError(`cannot reach the token service of ${ep.domain} (${url.host}): ${describeNetworkError(e)}`);
      throw e;
    }
    const body = await readBody(res, 1024 * 1024);
    if (res.status !== 200) {
      const what = res.status === 401 ? 'rejected the credentials' : `answered HTTP ${res.status}`;
      throw new UserError(
        `token service of ${ep.domain} (${url.host}) ${what}${basic ? '' : ' (no credentials found in Docker config)'}: ${body.toString('utf8').slice(0, 300).trim()}`,
      );
    }
    const json = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    if (!token) throw new UserError(`token service of ${ep.domain} (${url.host}) returned no token`);
    return token;
  }

  /** A UserError for a failed registry call, naming what failed, the registry and its message. */
  private async httpError(res: HttpResponse, what: string, repo: Repo, push = false): Promise<UserError> {
    let detail = '';
    if (res.body.readable && !res.body.readableEnded) {
      try {
        const body = await readBody(res, 64 * 1024);
        detail = registryMessage(body);
      } catch {
        // The message is a courtesy; the status says enough.
      }
    }
    const ep = this.endpoint(repo, push);
    const reg = ep.mirror ? `${repo.domain} (mirror ${ep.host})` : repo.domain;
    const msg = detail ? `: ${detail}` : '';
    switch (res.status) {
      case 401:
        return new UserError(
          `${what}: ${reg} requires authentication${msg} (credentials are read from ~/.docker/config.json; run docker login or add them there)`,
        );
      case 403:
        return new UserError(`${what}: access denied by ${reg}${msg}`);
      case 404:
        return new UserError(`${what}: not found in ${reg}${msg}`);
      default:
        return new UserError(`${what}: ${reg} answered HTTP ${res.status}${msg}`);
    }
  }
}

/** The registry's own words from an error body ({"errors":[{code,message,detail}]}). */
export function registryMessage(body: Buffer): string {
  const text = body.toString('utf8').trim();
  try {
    const json = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    if (Array.isArray(json.errors) && json.errors.length) {
      return json.errors.map((e) => [e.code, e.message].filter(Boolean).join(' ')).join('; ');
    }
  } catch {
    // not JSON
  }
  return text.slice(0, 300);
}

function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function headerDigest(res: HttpResponse): string | undefined {
  return header(res, 'docker-content-digest');
}

function manifestMediaType(res: HttpResponse, body: Buffer, name: string): string {
  let ct = (header(res, 'content-type') ?? '').split(';')[0]!.trim();
  if (SCHEMA1.test(ct)) throw new UserError(`${name} is a Docker schema 1 image, which is not supported; re-push it with a current client`);
  if (!MANIFEST_ACCEPT.includes(ct as (typeof MANIFEST_ACCEPT)[number])) {
    // Some registries answer application/json; the manifest names its own type.
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { mediaType?: string; manifests?: unknown; schemaVersion?: number };
      if (parsed.schemaVersion === 1) throw new UserError(`${name} is a Docker schema 1 image, which is not supported`);
      ct = parsed.mediaType ?? (parsed.manifests ? MediaType.ociIndex : MediaType.ociManifest);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${name}: the registry returned something that is not a manifest (${ct || 'no content type'})`);
    }
  }
  return ct;
}

function uploadLocation(res: HttpResponse): URL {
  const loc = header(res, 'location');
  if (!loc) throw new UserError(`registry ${res.url.host} started an upload without a Location`);
  return new URL(loc, res.url);
}

function withDigest(location: URL, digest: string): URL {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u;
}

/** Words every stalled-registry message carries (and tests look for). */
const STALL_HINT = `set ${ENV_REGISTRY_TIMEOUT}=SECONDS to wait longer`;

/** A network failure in words a user can act on. */
export function describeNetworkError(e: NetworkError): string {
  if (e instanceof StalledError) {
    const what = /sent nothing more/.test(e.message) ? 'stopped sending' : 'accepted the connection but sent no answer';
    return `${what} for ${seconds(e.ms)} (${STALL_HINT})`;
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is it running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'ECONNRESET':
      return 'connection reset';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `${e.message.replace(/^\w+ \S+: /, '')} (to trust its CA, pass it with --cert-file)`;
    default:
      return e.message.replace(/^\w+ \S+: /, '');
  }
}

/** Re-chunks a stream into Buffers of exactly `size` bytes (the last may be shorter). */
async function* chunked(src: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let n = 0;
  for await (const c of src) {
    let buf = c as Buffer;
    while (n + buf.length >= size) {
      const take = size - n;
      parts.push(buf.subarray(0, take));
      yield Buffer.concat(parts);
      parts = [];
      n = 0;
      buf = buf.subarray(take);
    }
    if (buf.length) {
      parts.push(buf);
      n += buf.length;
    }
  }
  if (n) yield Buffer.concat(parts);
}

/** Lent pieces passed on as they are (still lent), each counted by `onBytes` first. */
function counted(pieces: BorrowedPieces, onBytes: ((n: number) => void) | undefined): BorrowedPieces {
  return {
    borrowed: true,
    async *[Symbol.asyncIterator]() {
      for await (const piece of pieces) {
        onBytes?.(piece.length);
        yield piece;
      }
    },
  };
}

/** Passes bytes through, failing at the end if their size or digest is not the expected. */
export class VerifyStream extends Transform {
  private readonly hash;
  private readonly algorithm: string;
  private bytes = 0;

  constructor(
    private readonly expected: Pick<Descriptor, 'digest' | 'size'>,
    private readonly what: string,
    private readonly check = true,
    private readonly onBytes?: (n: number) => void,
  ) {
    super();
    this.algorithm = parseDigest(expected.digest, what).algorithm;
    this.hash = createHash(this.algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes?.(chunk.length);
    if (!this.check) {
      cb(null, chunk);
      return;
    }
    if (this.expected.size >= 0 && this.bytes > this.expected.size) {
      cb(new UserError(`${this.what}: more than the expected ${this.expected.size} bytes`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (!this.check) {
      cb();
      return;
    }
    if (this.expected.size >= 0 && this.bytes !== this.expected.size) {
      cb(new UserError(`${this.what}: got ${this.bytes} bytes, expected ${this.expected.size}`));
      return;
    }
    const got = `${this.algorithm}:${this.hash.digest('hex')}`;
    if (got !== this.expected.digest) {
      cb(new UserError(`${this.what}: digest mismatch, content has ${got}`));
      return;
    }
    cb();
  }
}
