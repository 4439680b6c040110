import path from 'node:path';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type InvokeReply } from '../../app/api/bridge.js';
import { AppContext } from '../../app/context.js';
import { registerIpc, type IpcMainLike, type IpcSenderEvent } from '../../app/transport/ipc.js';
import { startServer, type RunningServer } from '../../app/transport/http.js';
import { tempDir } from '../helpers.js';

/** An in-process ipcMain/ipcRenderer pair with Electron's semantics for handle/invoke and send. */
function fakeIpc() {
  const handlers = new Map<string, (e: IpcSenderEvent, ...args: unknown[]) => unknown>();
  const renderer = new EventEmitter();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const invoke = async (frameUrl: string, ...args: unknown[]): Promise<unknown> => {
    const h = handlers.get(IPC_INVOKE_CHANNEL);
    if (!h) throw new Error('no handler');
    // Electron serialises arguments with structured clone.
    return structuredClone(await h({ senderFrame: { url: frameUrl } }, ...structuredClone(args)));
  };
  const sink = { send: (channel: string, payload: unknown) => renderer.emit(channel, structuredClone(payload)) };
  return { ipcMain, invoke, sink, renderer, handlers };
}

type Call = (method: string, params: unknown) => Promise<InvokeReply>;

const t = tempDir();
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
const ipc = fakeIpc();
const TRUSTED = 'app://flowspect/index.html';
let server: RunningServer;
let unregister: () => void;

const viaIpc: Call = async (method, params) => (await ipc.invoke(TRUSTED, { method, params })) as InvokeReply;
const viaHttp: Call = async (method, params) => {
  const res = await fetch(`${server.origin}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  const body = (await res.json()) as { result?: unknown; error?: InvokeReply & { code: string } };
  return res.ok ? { ok: true, result: body.result } : ({ ok: false, error: body.error, status: res.status } as never);
};

beforeAll(async () => {
  unregister = registerIpc(ipc.ipcMain, app, { isTrustedSender: (e) => e.senderFrame?.url === TRUSTED, sinks: () => [ipc.sink] });
  server = await startServer({ app, port: 0 });
});
afterAll(async () => {
  unregister();
  await server.close();
  await app.dispose();
  t.cleanup();
});

describe.each([
  ['ipc', viaIpc],
  ['http', viaHttp],
] as const)('contract over %s', (transport, call) => {
  const dir = path.join(t.dir, `project-${transport}`);

  it('app.info names the transport and the execution providers', async () => {
    const r = await call('app.info', {});
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.result).toMatchObject({ transport, executionProviders: expect.arrayContaining(['cpu']) });
  });

  it('creates, lists, closes and reopens a project', async () => {
    const created = await call('projects.create', { dir, name: `Project ${transport}` });
    expect(created).toMatchObject({ ok: true, result: { dir, name: `Project ${transport}`, counts: { images: 0 } } });
    expect(await call('projects.current', {})).toMatchObject({ ok: true, result: { dir } });
    const recent = await call('projects.recent', {});
    expect(recent.ok && (recent.result as Array<{ dir: string }>)[0]!.dir).toBe(dir);
    expect(await call('projects.close', {})).toEqual({ ok: true, result: { ok: true } });
    expect(await call('projects.current', {})).toEqual({ ok: true, result: null });
    expect(await call('jobs.list', {})).toMatchObject({ ok: false, error: { code: 'no_project' } });
    expect(await call('projects.open', { dir })).toMatchObject({ ok: true, result: { name: `Project ${transport}` } });
    expect(await call('projects.info', { dir })).toMatchObject({ ok: true, result: { dir } });
    expect(await call('jobs.list', {})).toEqual({ ok: true, result: [] });
  });

  it('answers invalid requests with a typed error naming the field', async () => {
    const r = await call('projects.create', { dir: 42 });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('dir') } });
    const extra = await call('projects.open', { dir, bogus: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('bogus') } });
    expect(await call('jobs.get', { id: -1 })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('answers unknown methods and missing things with their own codes', async () => {
    expect(await call('nope.nothing', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await call('jobs.get', { id: 999 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call('projects.open', { dir: path.join(t.dir, 'missing') })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('transport specifics', () => {
  it('IPC refuses calls from untrusted frames and forwards events to windows', async () => {
    const reply = (await ipc.invoke('https://evil.example/', { method: 'app.info', params: {} })) as InvokeReply;
    expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const seen: unknown[] = [];
    ipc.renderer.on(IPC_EVENT_CHANNEL, (e) => seen.push(e));
    app.events.emit('log', { level: 'info', message: 'hello', time: 'now' });
    expect(seen).toEqual([{ event: 'log', payload: { level: 'info', message: 'hello', time: 'now' } }]);
  });

  it('HTTP maps errors to status codes: 401 without or with a wrong token, 400, 404, 413', async () => {
    const post = (pathname: string, init: RequestInit = {}) =>
      fetch(`${server.origin}${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: init.body ?? '{}' });
    expect((await post('/api/app.info')).status).toBe(401);
    expect((await post('/api/app.info', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const auth = { authorization: `Bearer ${server.token}` };
    const malformed = await post('/api/app.info', { headers: auth, body: '{not json' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('malformed JSON') } });
    expect((await post('/api/projects.create', { headers: auth, body: JSON.stringify({ dir: '' }) })).status).toBe(400);
    expect((await post('/api/nope', { headers: auth })).status).toBe(404);
    const big = await post('/api/app.info', { headers: auth, body: JSON.stringify({ pad: 'x'.repeat(33 * 1024 * 1024) }) }).catch(() => null);
    if (big) expect(big.status).toBe(413);
  });

  it('HTTP refuses cross-origin requests and sends no CORS headers', async () => {
    const res = await fetch(`${server.origin}/api/app.info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', origin: 'https://evil.example' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('HTTP streams events as server-sent events', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.origin}/api/events`, { headers: { authorization: `Bearer ${server.token}` }, signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    await reader.read(); // ": connected"
    app.events.emit('log', { level: 'warn', message: 'over the wire', time: 't' });
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toContain('event: log\ndata: {"level":"warn","message":"over the wire","time":"t"}');
    controller.abort();
  });

  it('HTTP drops an event-stream client that stops reading instead of buffering for it without bound', async () => {
    const net = await import('node:net');
    const { port } = new URL(server.origin);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${server.token}\r\n\r\n`);
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause(); // a client that stalls: the kernel buffers fill, then the server's
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const message = 'x'.repeat(1000);
    const frames = 30_000; // ≈ 30 MB, far beyond the limit plus loopback socket buffers
    for (let i = 0; i < frames; i++) app.events.emit('log', { level: 'info', message, time: String(i) });
    let received = 0;
    socket.on('data', (chunk: Buffer) => void (received += chunk.length));
    socket.resume();
    await closed;
    expect(received).toBeLessThan(frames * message.length);
    // A client that reads keeps its stream.
    const controller = new AbortController();
    const res = await fetch(`${server.origin}/api/events`, { headers: { authorization: `Bearer ${server.token}` }, signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    app.events.emit('log', { level: 'info', message: 'still here', time: 't' });
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('still here');
    controller.abort();
  }, 30_000);

  it('HTTP serves project files only from inside the project, with ranges', async () => {
    const fs = await import('node:fs');
    const project = app.project();
    fs.writeFileSync(project.path('thumbnails', 'a.png'), Buffer.from('0123456789'));
    const get = (p: string, headers: Record<string, string> = {}) =>
      fetch(`${server.origin}${p}`, { headers: { authorization: `Bearer ${server.token}`, ...headers } });
    const whole = await get('/files/thumbnails/a.png');
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('image/png');
    const part = await get('/files/thumbnails/a.png', { range: 'bytes=2-4' });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('234');
    // WHATWG URL parsing folds %2e%2e segments before routing, so this never reaches /files: 403 or 404, no file.
    const dotted = await get('/files/thumbnails/%2e%2e/%2e%2e/flowspect.db');
    expect([403, 404]).toContain(dotted.status);
    expect(dotted.headers.get('content-type')).not.toBe('application/octet-stream');
    expect((await get('/files/..%2f..%2fetc%2fpasswd')).status).toBe(403);
    expect((await get('/files/thumbnails/missing.png')).status).toBe(404);
  });
});
