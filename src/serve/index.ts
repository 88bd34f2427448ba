// `linuxkit serve`: a static file server over one directory, behaving as Go's http.FileServer
// (which LinuxKit uses, lk:src/cmd/linuxkit/serve.go): directory listings, index.html, the
// trailing-slash redirects, Last-Modified/If-Modified-Since, single byte ranges, and the same
// error pages. Request paths are cleaned as URLs before they touch the file system, so no
// request reaches outside the directory ("/../x" is "/x").
import { createReadStream, type Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { posix, resolve, sep } from 'node:path';
import { log } from '../util/index.js';
import { contentTypeOf } from './content-type.js';
import { ifExists } from '../util/index.js';

export interface ServeOptions {
  /** Directory served as "/". */
  directory: string;
}

/** Go's `host:port` as given to ListenAndServe: ":8080" (all interfaces), "127.0.0.1:0"… */
export function parseListenAddress(addr: string): { host?: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(addr);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`listen tcp: address ${addr}: missing port in address or bad port`);
  const host = m[1] ?? m[2];
  return { ...(host && { host }), port };
}

/** An http.Server serving `opts.directory`; not yet listening. */
export function fileServer(opts: ServeOptions): Server {
  const root = resolve(opts.directory);
  return createServer((req, res) => {
    log.info(`${req.method} ${req.url}`);
    handle(root, req, res).catch((err: unknown) => {
      log.debug(`serve: ${String(err)}`);
      if (!res.headersSent) httpError(res, 500);
      else res.destroy();
    });
  });
}

const STATUS_TEXT: Record<number, string> = { 403: '403 Forbidden', 404: '404 page not found', 500: '500 Internal Server Error' };

function httpError(res: ServerResponse, status: 403 | 404 | 500): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(STATUS_TEXT[status] + '\n');
}

/** Go's toHTTPError: missing → 404, permission → 403, anything else → 500. */
function fsError(res: ServerResponse, err: unknown): void {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') httpError(res, 404);
  else if (code === 'EACCES' || code === 'EPERM') httpError(res, 403);
  else httpError(res, 500);
}

/** A relative redirect, keeping the query string (Go's localRedirect). */
function redirect(res: ServerResponse, req: IncomingMessage, to: string): void {
  const q = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
  res.writeHead(301, { Location: to + q });
  res.end();
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawPath = (req.url ?? '/').split('?')[0]!;
  let urlPath: string;
  try {
    urlPath = decodeURIComponent(rawPath);
  } catch {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('invalid URL escape\n');
    return;
  }
  if (!urlPath.startsWith('/')) urlPath = '/' + urlPath;
  if (urlPath.includes('\0')) return httpError(res, 404);
  const clean = posix.normalize(urlPath);
  // posix.normalize keeps a leading ".." of a relative path only; ours is absolute, so
  // "/../../etc" is "/etc" — still under root. Checked again on the joined path below.
  const name = clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean;
  const file = resolve(root, '.' + name);
  if (file !== root && !file.startsWith(root + sep)) return httpError(res, 404);

  // Go redirects ".../index.html" to ".../" before looking at the file system.
  if (urlPath.endsWith('/index.html')) return redirect(res, req, './');

  let st: Stats;
  try {
    st = await stat(file);
  } catch (err) {
    return fsError(res, err);
  }
  const base = posix.basename(name);
  if (st.isDirectory()) {
    if (!urlPath.endsWith('/')) return redirect(res, req, base + '/');
  } else if (urlPath.endsWith('/')) {
    return redirect(res, req, '../' + base);
  }

  if (st.isDirectory()) {
    const index = posix.join(file, 'index.html');
    const ist = await ifExists(stat(index));
    if (ist?.isFile()) return serveFile(req, res, index, ist);
    return listDirectory(req, res, file, st);
  }
  if (!st.isFile()) return httpError(res, 403);
  return serveFile(req, res, file, st);
}

/** Go's checkIfModifiedSince: whole seconds, only for GET and HEAD. */
function notModified(req: IncomingMessage, mtime: Date): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const since = req.headers['if-modified-since'];
  if (!since || req.headers['if-none-match']) return false;
  const t = Date.parse(since);
  return !Number.isNaN(t) && Math.floor(mtime.getTime() / 1000) * 1000 <= t;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);

/**
 * A name as Go's url.URL{Path: name}.String() writes it: RFC 3986 path escaping, and "./" in
 * front when the first segment has a colon (so it cannot read as a scheme).
 */
function goPathEscape(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  const first = out.split('/')[0]!;
  return first.includes(':') ? './' + out : out;
}

/** Go's dirList: names sorted, directories with a trailing slash, in a <pre>. */
async function listDirectory(req: IncomingMessage, res: ServerResponse, dir: string, st: Stats): Promise<void> {
  if (notModified(req, st.mtime)) {
    res.writeHead(304);
    res.end();
    return;
  }
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    return fsError(res, err);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let body = '<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n';
  for (const e of entries) {
    const name = e.isDirectory() ? e.name + '/' : e.name;
    const href = goPathEscape(name);
    // As Go: the href is only URL-escaped (which leaves no quote or angle bracket, but may leave &).
    body += `<a href="${href}">${escapeHtml(name)}</a>\n`;
  }
  body += '</pre>\n';
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Last-Modified': st.mtime.toUTCString() });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** One `bytes=` range within `size`, or undefined to serve the whole file, or null if unsatisfiable. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined | null {
  if (!header?.startsWith('bytes=')) return undefined;
  const specs = header.slice(6).split(',');
  if (specs.length !== 1) return undefined; // several ranges: the whole file (Go sends multipart)
  const m = /^\s*(\d*)-(\d*)\s*$/.exec(specs[0]!);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Math.min(Number(m[2]), size);
    return n === 0 ? null : { start: size - n, end: size - 1 };
  }
  const start = Number(m[1]);
  if (start >= size) return null;
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return end < start ? null : { start, end };
}

async function serveFile(req: IncomingMessage, res: ServerResponse, file: string, st: Stats): Promise<void> {
  if (notModified(req, st.mtime)) {
    res.writeHead(304, { 'Last-Modified': st.mtime.toUTCString() });
    res.end();
    return;
  }
  let type: string;
  try {
    type = await contentTypeOf(file, () => readHead(file));
  } catch (err) {
    return fsError(res, err);
  }
  const headers: Record<string, string | number> = {
    'Accept-Ranges': 'bytes',
    'Content-Type': type,
    'Last-Modified': st.mtime.toUTCString(),
  };
  const range = parseRange(req.headers.range, st.size);
  if (range === null) {
    res.writeHead(416, { 'Content-Range': `bytes */${st.size}`, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('invalid range: failed to overlap\n');
    return;
  }
  const { start, end } = range ?? { start: 0, end: st.size - 1 };
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
  headers['Content-Length'] = Math.max(0, end - start + 1);
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || st.size === 0) {
    res.end();
    return;
  }
  const body = createReadStream(file, { start, end });
  body.on('error', () => res.destroy());
  body.pipe(res);
}

/** The first 512 bytes, for content sniffing. */
async function readHead(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Starts serving; resolves once listening, with the address actually bound. */
export async function serve(opts: ServeOptions & { listen: string }): Promise<{ server: Server; port: number }> {
  const { host, port } = parseListenAddress(opts.listen);
  const server = fileServer(opts);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : port };
}
