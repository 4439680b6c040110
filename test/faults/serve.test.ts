// Serve mode with a hostile path: backbones.import of /dev/zero, a FIFO or a relative path answers a clear error
// at once, while other requests keep being answered, and the project stores nothing.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppContext } from '../../app/context.js';
import { listBackbones } from '../../app/store/backbones.js';
import { startServer, type RunningServer } from '../../app/transport/http.js';
import { tempDir } from '../helpers.js';
import { fifo } from './special-files.js';

const t = tempDir('flowspect-serve-faults-');
const app = new AppContext(path.join(t.dir, 'user'), { logToFile: false });
let server: RunningServer;

async function call(method: string, body: unknown): Promise<{ status: number; json: { result?: unknown; error?: { code: string; message: string } }; ms: number }> {
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as never, ms: performance.now() - started };
}

beforeAll(async () => {
  server = await startServer({ app, port: 0 });
  app.createProject(path.join(t.dir, 'project'), 'serve faults');
});
afterAll(async () => {
  await server.close();
  await app.dispose();
  t.cleanup();
});

describe('backbones.import with a special file', () => {
  it('answers a clear error for /dev/zero and a FIFO at once, keeps answering other calls, stores nothing', async () => {
    const pipe = fifo(path.join(t.dir, 'pipe.onnx'));
    for (const [file, reason] of [
      ['/dev/zero', /^\/dev\/zero: is a character device, not a regular file$/],
      [pipe, /pipe\.onnx: is a named pipe \(FIFO\), not a regular file$/],
    ] as const) {
      // The refusal and an unrelated call in flight together: the server is not blocked by the bad file.
      const [bad, list] = await Promise.all([call('backbones.import', { path: file }), call('backbones.list', {})]);
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatchObject({ code: 'invalid_file' });
      expect(bad.json.error!.message).toMatch(reason);
      expect(bad.ms).toBeLessThan(1000);
      expect(list.status).toBe(200);
      expect(list.ms).toBeLessThan(1000);
    }
    const relative = await call('backbones.import', { path: 'models/backbone.onnx' });
    expect(relative.status).toBe(400);
    expect(relative.json.error!.message).toMatch(/path "models\/backbone\.onnx" is relative; it must be an absolute path/);
    expect(listBackbones(app.project().db)).toEqual([]);
    expect(fs.readdirSync(app.project().path('backbones'))).toEqual([]);
  });
});
