import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { dispatch } from '../api/dispatch.js';
import { AppError, httpStatusFor, toErrorBody, type ApiErrorBody } from '../core/errors.js';
import type { AppContext } from '../context.js';
import { mimeTypeOf, parseRange, resolveInside, resolveProjectFile } from './safe-path.js';

export interface ServeOptions {
  readonly app: AppContext;
  readonly port?: number;
  readonly host?: string;
  /** Fixed token (tests); a random one per start otherwise. */
  readonly token?: string;
  /** The built renderer (index.html + assets); the API still works without it. */
  readonly staticDir?: string;
  readonly maxBodyBytes?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const COOKIE = 'flowspect_token';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
export const DEFAULT_MAX_BODY = 32 * 1024 * 1024;
/** The renderer loads nothing from elsewhere; images come from /files on the same origin as blob/data URLs. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

function tokenOf(req: http.IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-flowspect-token'];
  if (typeof header === 'string') return header;
  const cookie = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === COOKIE);
  if (cookie?.[1]) return decodeURIComponent(cookie[1]);
  return url.searchParams.get('token') ?? undefined;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(data), 'cache-control': 'no-store' });
  res.end(data);
}

function sendError(res: http.ServerResponse, error: ApiErrorBody): void {
  sendJson(res, httpStatusFor(error.code), { error });
}

/**
 * Reads a request body of at most `limit` bytes. Past the limit the rest is drained and discarded (up to
 * DRAIN_LIMIT, then the socket is dropped) so the client still receives the 413 instead of a reset connection.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (size: string): AppError =>
      new AppError('payload_too_large', `request body of ${size} exceeds the ${limit}-byte limit`, { limit });
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(tooLarge(`${declared} bytes`));
      drain(req);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.off('data', onData);
        reject(tooLarge('more than that'));
        drain(req);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!done) reject(err);
    });
  });
}

const DRAIN_LIMIT = 64 * 1024 * 1024;
function drain(req: http.IncomingMessage): void {
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DRAIN_LIMIT) req.socket.destroy();
  });
  req.resume();
}

function serveFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, extraHeaders: Record<string, string> = {}): void {
  const size = fs.statSync(file).size;
  const stream = (range?: { start: number; end: number }): void => {
    fs.createReadStream(file, range)
      .on('error', () => res.destroy())
      .pipe(res);
  };
  const range = parseRange(req.headers.range, size);
  const headers: Record<string, string | number> = { 'content-type': mimeTypeOf(file), 'accept-ranges': 'bytes', ...extraHeaders };
  if (range === 'invalid') {
    res.writeHead(416, { 'content-range': `bytes */${size}` });
    res.end();
    return;
  }
  if (range) {
    res.writeHead(206, { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${size}`, 'content-length': range.end - range.start + 1 });
    if (req.method === 'HEAD') return void res.end();
    return stream(range);
  }
  res.writeHead(200, { ...headers, 'content-length': size });
  if (req.method === 'HEAD') return void res.end();
  stream();
}

/** What every request of one running server reads: its settings, and the addresses known once it listens. */
interface ServerState {
  readonly app: AppContext;
  readonly token: string;
  readonly maxBody: number;
  readonly staticRoot: string | undefined;
  readonly loopbackOnly: boolean;
  readonly sseClients: Set<http.ServerResponse>;
  origin: string;
  allowedOrigins: Set<string>;
  allowedHosts: Set<string>;
}

/**
 * Serve mode: the same handler table as Electron IPC, over HTTP JSON on 127.0.0.1, with server-sent events.
 * Every request needs the per-start token (Bearer header, X-Flowspect-Token, the cookie set on first load, or
 * ?token=). No CORS headers are sent, and requests whose Origin is not this server are refused.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { app } = options;
  const host = options.host ?? '127.0.0.1';
  const state: ServerState = {
    app,
    token: options.token ?? crypto.randomBytes(24).toString('base64url'),
    maxBody: options.maxBodyBytes ?? DEFAULT_MAX_BODY,
    staticRoot: options.staticDir && fs.existsSync(path.join(options.staticDir, 'index.html')) ? path.resolve(options.staticDir) : undefined,
    loopbackOnly: LOOPBACK_HOSTS.has(host),
    sseClients: new Set(),
    origin: '',
    allowedOrigins: new Set(),
    allowedHosts: new Set(),
  };
  const { sseClients, token } = state;

  const server = http.createServer((req, res) => {
    void handle(state, req, res).catch((err) => {
      if (res.headersSent) return void res.destroy();
      // After an oversized body the connection is not reused: the client may still be sending.
      if (err instanceof AppError && err.code === 'payload_too_large') res.setHeader('connection', 'close');
      sendError(res, toErrorBody(err));
    });
  });

  const unsubscribe = app.events.subscribe((e) => {
    const frame = `event: ${e.event}\ndata: ${JSON.stringify(e.payload)}\n\n`;
    for (const c of sseClients) sendEvent(sseClients, c, frame);
  });
  const heartbeat = setInterval(() => {
    for (const c of sseClients) sendEvent(sseClients, c, ': ping\n\n');
  }, 15_000);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  state.origin = `http://${hostForUrl}:${port}`;
  state.allowedHosts = new Set([`${hostForUrl}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  state.allowedOrigins = new Set([...state.allowedHosts].map((h) => `http://${h}`));

  return {
    url: `${state.origin}/?token=${token}`,
    origin: state.origin,
    port,
    token,
    close: async () => {
      clearInterval(heartbeat);
      unsubscribe();
      for (const c of sseClients) c.end();
      sseClients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(state: ServerState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  const url = admit(state, req, res);
  if (!url) return;
  if (url.pathname.startsWith('/api/')) return handleApi(state, req, res, url);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendError(res, { code: 'invalid_request', message: `${req.method} is not served here` });
  }
  if (url.pathname.startsWith('/files/')) {
    const project = state.app.currentProject();
    if (!project) return sendError(res, { code: 'no_project', message: 'no project is open' });
    const file = resolveProjectFile(project.dir, url.pathname.slice('/files/'.length));
    return serveFile(req, res, file, { 'cache-control': 'no-cache' });
  }
  return serveRenderer(state.staticRoot, req, res, url);
}

/** The request's URL when its host, origin and token pass; otherwise the refusal is sent and undefined returned. */
function admit(state: ServerState, req: http.IncomingMessage, res: http.ServerResponse): URL | undefined {
  // A loopback server answers only to loopback host names: a DNS-rebinding page arrives with its own Host.
  if (state.loopbackOnly && !state.allowedHosts.has(req.headers.host ?? '')) {
    return void sendError(res, { code: 'forbidden', message: `requests for host ${req.headers.host ?? '(none)'} are refused` });
  }
  const url = new URL(req.url ?? '/', state.origin);
  const requestOrigin = req.headers.origin;
  if (requestOrigin && !state.allowedOrigins.has(requestOrigin)) {
    return void sendError(res, { code: 'forbidden', message: `requests from origin ${requestOrigin} are refused` });
  }
  const given = tokenOf(req, url);
  if (!given || !safeEqual(given, state.token)) {
    return void sendError(res, { code: 'unauthorized', message: 'missing or wrong token: open the URL printed by `flowspect serve`' });
  }
  // Remember the token in a same-site cookie so the page's own asset, file and event requests carry it.
  if (url.searchParams.has('token')) {
    res.setHeader('set-cookie', `${COOKIE}=${encodeURIComponent(state.token)}; HttpOnly; SameSite=Strict; Path=/`);
  }
  return url;
}

/** /api/<method>: a POSTed JSON body dispatched to the handler table; /api/events opens the event stream. */
async function handleApi(state: ServerState, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  let method: string;
  try {
    method = decodeURIComponent(url.pathname.slice(5));
  } catch {
    return sendError(res, { code: 'invalid_request', message: 'malformed percent-encoding in the method name' });
  }
  if (method === 'events') return openEventStream(state.sseClients, req, res);
  if (req.method !== 'POST') return sendError(res, { code: 'invalid_request', message: 'API calls use POST' });
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) {
    return sendError(res, { code: 'invalid_request', message: 'API calls need content-type application/json' });
  }
  const body = await readBody(req, state.maxBody);
  let params: unknown = {};
  if (body.length) {
    try {
      params = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return sendError(res, { code: 'invalid_request', message: `malformed JSON body: ${(err as Error).message}` });
    }
  }
  const reply = await dispatch(method, params, { app: state.app, transport: 'http' });
  return reply.ok ? sendJson(res, 200, { result: reply.result }) : sendError(res, reply.error);
}

/** The built renderer's files; a path without an extension that names no file is a client-side route (index.html). */
function serveRenderer(staticRoot: string | undefined, req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  if (!staticRoot) {
    return sendError(res, { code: 'not_found', message: 'the renderer is not built: run `npm run build:renderer`' });
  }
  let file: string;
  try {
    file = url.pathname === '/' ? path.join(staticRoot, 'index.html') : resolveInside(staticRoot, url.pathname.slice(1));
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found' && !path.extname(url.pathname)) {
      file = path.join(staticRoot, 'index.html'); // client-side route
    } else throw err;
  }
  const isHtml = file.endsWith('.html');
  return serveFile(req, res, file, {
    'cache-control': isHtml ? 'no-store' : 'public, max-age=31536000, immutable',
    ...(isHtml ? { 'content-security-policy': CONTENT_SECURITY_POLICY } : {}),
  });
}

/**
 * Bytes an event-stream client may leave unread before it is dropped. A stalled client (a suspended laptop, a tab
 * in the background, a proxy that stopped reading) would otherwise make the server buffer every training and
 * inference event for it without end. A dropped EventSource reconnects by itself and resyncs through the API.
 */
export const SSE_CLIENT_BUFFER_LIMIT = 4 * 1024 * 1024;

function sendEvent(sseClients: Set<http.ServerResponse>, c: http.ServerResponse, frame: string): void {
  if (c.writableLength > SSE_CLIENT_BUFFER_LIMIT) {
    sseClients.delete(c);
    c.destroy();
    return;
  }
  c.write(frame);
}

function openEventStream(sseClients: Set<http.ServerResponse>, req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(': connected\n\n');
  sseClients.add(res);
  req.on('close', () => sseClients.delete(res));
}
