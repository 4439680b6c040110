// Serve mode under hostile requests: each one is refused with its status, and afterwards the project database,
// every project file and the user-data folder are byte-for-byte what they were.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppContext } from '../../app/context.js';
import { startServer, type RunningServer } from '../../app/transport/http.js';
import { tempDir } from '../helpers.js';

const LIMIT = 64 * 1024;
const t = tempDir();
const projectDir = path.join(t.dir, 'project');
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
let server: RunningServer;

interface RawReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A request sent byte-exact (no client-side URL normalisation), optionally streaming a chunked body. */
function raw(method: string, target: string, headers: Record<string, string | number> = {}, body?: string | Buffer[] | { declared: number; send: Buffer }): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path: target, headers, setHost: !('host' in headers), agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        req.destroy();
      });
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (typeof body === 'string') req.end(body);
    else if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else req.write(body.send); // declared length never completed: the server must answer without waiting
  });
}

const auth = () => ({ authorization: `Bearer ${server.token}` });
const json = { 'content-type': 'application/json' };

/**
 * sha256 of every file under `dir` (the db, its WAL, blobs), keyed by relative path. The WAL's shared-memory
 * index (-shm) is left out: SQLite updates its read marks on every read, and it holds no data.
 */
function fileHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (!entry.name.endsWith('-shm')) out[path.relative(dir, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Every row of every table, through the app's own connection. */
function dbDump(): Record<string, unknown[]> {
  const db = app.project().db;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>;
  return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
}

function snapshot() {
  return { files: fileHashes(projectDir), db: dbDump(), user: fileHashes(app.userDataDir), top: fs.readdirSync(t.dir).sort(), current: app.currentProject()?.dir };
}

let before: ReturnType<typeof snapshot>;

beforeAll(async () => {
  server = await startServer({ app, port: 0, maxBodyBytes: LIMIT });
  app.createProject(projectDir, 'Hardening');
  app.project().db.prepare("UPDATE project SET name = 'Hardening (kept)'").run();
  fs.writeFileSync(path.join(projectDir, 'thumbnails', 'a.png'), 'png-bytes');
  fs.mkdirSync(path.join(t.dir, 'outside'));
  fs.writeFileSync(path.join(t.dir, 'outside', 'secret.txt'), 'TOP-SECRET');
  fs.symlinkSync(path.join(t.dir, 'outside', 'secret.txt'), path.join(projectDir, 'thumbnails', 'link.png'));
  before = snapshot();
});

afterAll(async () => {
  await server.close();
  await app.dispose();
  t.cleanup();
});

const createBody = (name = 'Injected') => JSON.stringify({ dir: path.join(t.dir, 'created-by-attacker'), name });

describe('serve mode refuses hostile requests and changes nothing', () => {
  it('401 without a token and with a wrong one, for API calls, files and pages', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }, { 'x-flowspect-token': server.token.slice(0, -1) }, { cookie: 'flowspect_token=nope' }];
    for (const headers of attempts) {
      expect((await raw('POST', '/api/projects.create', { ...json, ...headers }, createBody())).status).toBe(401);
      expect((await raw('POST', '/api/projects.close', { ...json, ...headers }, '{}')).status).toBe(401);
      expect((await raw('GET', '/files/thumbnails/a.png', headers)).status).toBe(401);
      expect((await raw('GET', '/api/events', headers)).status).toBe(401);
    }
    expect((await raw('GET', '/files/thumbnails/a.png?token=wrong')).status).toBe(401);
  });

  it('413 for a body over the limit, declared or streamed', async () => {
    const padded = createBody('x'.repeat(LIMIT));
    const declared = await raw('POST', '/api/projects.create', { ...json, ...auth(), 'content-length': Buffer.byteLength(padded) }, padded);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    const chunk = Buffer.from(`{"dir":"${path.join(t.dir, 'created-by-attacker')}","name":"${'y'.repeat(16 * 1024)}`);
    const streamed = await raw('POST', '/api/projects.create', { ...json, ...auth(), 'transfer-encoding': 'chunked' }, Array.from({ length: 12 }, () => chunk));
    expect(streamed.status).toBe(413);
    const lying = await raw('POST', '/api/projects.create', { ...json, ...auth(), 'content-length': 2 ** 40 }, { declared: 2 ** 40, send: Buffer.from('{"dir":') });
    expect(lying.status).toBe(413);
  });

  it('400 for malformed JSON, a wrong content type, and a non-POST API call', async () => {
    const malformed = await raw('POST', '/api/projects.create', { ...json, ...auth() }, `{"dir": "${path.join(t.dir, 'created-by-attacker')}",`);
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('malformed JSON') } });
    expect((await raw('POST', '/api/projects.create', { 'content-type': 'text/plain', ...auth() }, createBody())).status).toBe(400);
    expect((await raw('GET', '/api/projects.close', auth())).status).toBe(400);
    expect((await raw('POST', '/api/projects.%e0%a4%a', { ...json, ...auth() }, '{}')).status).toBe(400);
  });

  it.each([
    ['/files/../flowspect.db', [403, 404]],
    ['/files/..%2fflowspect.db', [403]],
    ['/files/thumbnails/..%2f..%2fflowspect.db', [403]],
    ['/files/%2e%2e/%2e%2e/outside/secret.txt', [403, 404]],
    ['/files/thumbnails%2f%2e%2e%2f%2e%2e%2foutside%2fsecret.txt', [403]],
    ['/files/%2fetc%2fpasswd', [403]],
    ['/files//etc/passwd', [403]],
    ['/files/thumbnails%5c..%5c..%5coutside%5csecret.txt', [403]],
    ['/files/thumbnails/link.png', [403]],
    ['/files/flowspect.db', [403]],
    ['/files/flowspect.db-wal', [403, 404]],
    ['/files/thumbnails/a.png%00.txt', [403]],
    ['/files/thumbnails/missing.png', [404]],
  ])('file route %s → 403/404 without leaking bytes', async (target, statuses) => {
    const reply = await raw('GET', target, auth());
    expect(statuses).toContain(reply.status);
    expect(reply.body).not.toContain('TOP-SECRET');
    expect(reply.body).not.toContain('SQLite format');
  });

  it('refuses writes to file routes, other origins (no CORS), and foreign Host headers', async () => {
    for (const method of ['PUT', 'POST', 'DELETE']) expect((await raw(method, '/files/thumbnails/a.png', { ...auth(), ...json }, 'overwritten')).status).toBe(400);
    const cross = await raw('POST', '/api/projects.close', { ...json, ...auth(), origin: 'https://evil.example' }, '{}');
    expect(cross.status).toBe(403);
    const preflight = await raw('OPTIONS', '/api/projects.close', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    expect((await raw('POST', '/api/projects.close', { ...json, ...auth(), host: `rebound.example:${server.port}` }, '{}')).status).toBe(403);
  });

  it('left the database, the project files, the user data and the open project exactly as they were', async () => {
    // The server still works for a legitimate call afterwards (it never crashed).
    expect((await raw('POST', '/api/projects.current', { ...json, ...auth() }, '{}')).status).toBe(200);
    expect(snapshot()).toEqual(before);
    expect(before.db.project).toMatchObject([{ name: 'Hardening (kept)' }]);
    expect(before.files).toHaveProperty('flowspect.db');
  });
});
