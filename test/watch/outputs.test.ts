// The line outputs on their own, against real endpoints on 127.0.0.1: the webhook outbox retries with back-off,
// gives up on a permanent refusal, drops the oldest when full and abandons what is left at the drain deadline; the
// MQTT output publishes at QoS 1; the results file keeps every line whole; the line message schema refuses a pass
// without a score and an error without its reason; the ignored names.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { JsonlFile } from '../../app/watch/outputs/jsonl.js';
import { mqttOutput } from '../../app/watch/outputs/mqtt.js';
import { Outbox } from '../../app/watch/outputs/outbox.js';
import { parseWebhookUrl, webhookOutbox } from '../../app/watch/outputs/webhook.js';
import { isIgnoredName } from '../../app/watch/names.js';
import { encodeLineMessage, lineMessageJsonSchema, LineMessageSchema } from '../../app/watch/message.js';
import { freePort, mqttBroker, webhookReceiver } from './line-servers.js';

const t = tempDir('flowspect-line-outputs-');
afterAll(() => t.cleanup());

const message = (i: number) => JSON.stringify({ file: `/line/in/${i}.png`, score: i, verdict: 'accept', model: 1, time: new Date(0).toISOString() });
const fast = { baseDelayMs: 20, maxDelayMs: 100 };

async function settle(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('webhook outbox', () => {
  it('retries a message the endpoint refuses twice (503) and delivers it on the third attempt', async () => {
    const hook = await webhookReceiver((_b, earlier) => (earlier < 2 ? 503 : 200));
    const warnings: string[] = [];
    const box = webhookOutbox(parseWebhookUrl(hook.url), { ...fast, warn: (m) => warnings.push(m) });
    box.push(message(1));
    await settle(() => box.stats().delivered === 1);
    expect(hook.attempts.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(hook.delivered).toEqual([JSON.parse(message(1))]);
    expect(box.stats()).toMatchObject({ delivered: 1, retries: 2, failed: 0 });
    expect(await box.drain(1000)).toBe(true);
    expect(warnings).toEqual([]);
    await hook.close();
  });

  it('gives up at once on a permanent refusal (400) and after maxAttempts on a lasting 5xx', async () => {
    const hook = await webhookReceiver((b) => ((b as { score: number }).score === 1 ? 400 : 500));
    const warnings: string[] = [];
    const box = webhookOutbox(parseWebhookUrl(hook.url), { ...fast, maxAttempts: 3, warn: (m) => warnings.push(m) });
    box.push(message(1));
    box.push(message(2));
    await settle(() => box.stats().failed === 2);
    expect(hook.attempts.filter((a) => a.status === 400)).toHaveLength(1);
    expect(hook.attempts.filter((a) => a.status === 500)).toHaveLength(3);
    expect(warnings.join('\n')).toMatch(/gave up on a message after 1 attempt\(s\): HTTP 400 Bad Request \(not retried\)/);
    expect(warnings.join('\n')).toMatch(/after 3 attempt\(s\): HTTP 500/);
    await box.drain(100);
    await hook.close();
  });

  it('never blocks: when full it drops the oldest, counts and warns; the drain deadline abandons the rest', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const got: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => void held.then(() => (got.push(body), res.writeHead(204).end())));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = parseWebhookUrl(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    const warnings: string[] = [];
    const box = webhookOutbox(url, { ...fast, capacity: 3, concurrency: 1, warn: (m) => warnings.push(m) });
    const t0 = performance.now();
    for (let i = 1; i <= 6; i++) box.push(message(i));
    expect(performance.now() - t0).toBeLessThan(50); // pushing never waits for the endpoint
    expect(box.stats()).toMatchObject({ queued: 3, inFlight: 1, dropped: 2 });
    expect(warnings).toEqual([expect.stringMatching(/outbox full \(3 messages waiting\); dropped the oldest \(1 dropped so far\)/)]);
    release();
    await settle(() => box.stats().delivered === 4);
    expect(got.map((b) => JSON.parse(b).score)).toEqual([1, 4, 5, 6]);
    await box.drain(100);
    server.closeAllConnections();
    server.close();

    // Nothing listens: the message sleeps between retries when the deadline comes, and is counted as abandoned.
    const down = webhookOutbox(parseWebhookUrl(`http://127.0.0.1:${await freePort()}/`), { baseDelayMs: 10_000, warn: (m) => warnings.push(m) });
    down.push(message(7));
    await settle(() => down.stats().retries === 1);
    const started = performance.now();
    expect(await down.drain(200)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(down.stats()).toMatchObject({ abandoned: 1, delivered: 0 });
    expect(warnings.at(-1)).toMatch(/1 message\(s\) not delivered before shutting down/);
  });

  it('backs off exponentially, capped, from the upper half of each step', () => {
    const low = new Outbox(async () => undefined, { name: 'x', baseDelayMs: 100, maxDelayMs: 1000, warn: () => undefined, random: () => 0 });
    const high = new Outbox(async () => undefined, { name: 'x', baseDelayMs: 100, maxDelayMs: 1000, warn: () => undefined, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6].map((a) => low.delayAfter(a))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((a) => high.delayAfter(a))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('refuses URLs that are not http(s)', () => {
    expect(() => parseWebhookUrl('not a url')).toThrow(/--webhook "not a url" is not a URL/);
    expect(() => parseWebhookUrl('file:///etc/passwd')).toThrow(/must be an http:\/\/ or https:\/\/ URL/);
  });
});

describe('MQTT output', () => {
  it('publishes each message at QoS 1 and drains before disconnecting', async () => {
    const broker = await mqttBroker();
    const out = mqttOutput(new URL(broker.url), 'line/verdicts', { warn: () => undefined });
    for (let i = 1; i <= 3; i++) out.outbox.push(message(i));
    await out.close(5000);
    expect(broker.published.map((p) => [p.topic, p.qos, (p.payload as { score: number }).score])).toEqual([
      ['line/verdicts', 1, 1],
      ['line/verdicts', 1, 2],
      ['line/verdicts', 1, 3],
    ]);
    expect(out.outbox.stats()).toMatchObject({ delivered: 3, abandoned: 0 });
    await broker.close();
  });
});

describe('results file', () => {
  it('appends whole lines, and ends a torn last line first so every later line parses', () => {
    const file = path.join(t.dir, 'sub', 'results.jsonl');
    const a = JsonlFile.open(file);
    a.append([message(1), message(2)]);
    a.close();
    fs.appendFileSync(file, '{"file":"/line/in/3.png","sco'); // a power cut mid-line
    const b = JsonlFile.open(file);
    b.append([message(4)]);
    b.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines).toEqual([message(1), message(2), '{"file":"/line/in/3.png","sco', message(4), '']);
    expect(() => JsonlFile.open(t.dir)).toThrow(/--out .*: (cannot open for appending|not a regular file)/);
  });
});

describe('line message', () => {
  const base = { file: '/line/in/a.png', model: 2, time: '2026-01-02T03:04:05.000Z' };

  it('accepts verdicts with scores and errors with reasons', () => {
    expect(LineMessageSchema.parse({ ...base, score: 0.3, verdict: 'accept', map: '/p/maps/a.png' })).toBeTruthy();
    expect(encodeLineMessage({ ...base, score: null, verdict: 'error', reason: 'truncated or corrupt image data: x' })).toBe(
      '{"file":"/line/in/a.png","score":null,"verdict":"error","model":2,"time":"2026-01-02T03:04:05.000Z","reason":"truncated or corrupt image data: x"}',
    );
  });

  it('refuses a pass without a score, an error without a reason, unknown fields and NaN', () => {
    expect(() => encodeLineMessage({ ...base, score: null, verdict: 'accept' })).toThrow(/verdict accept needs a score/);
    expect(() => encodeLineMessage({ ...base, score: null, verdict: 'error' })).toThrow(/names its reason/);
    expect(() => encodeLineMessage({ ...base, score: 1, verdict: 'reject', reason: 'x' })).toThrow(/only an error verdict carries a reason/);
    expect(LineMessageSchema.safeParse({ ...base, score: Number.NaN, verdict: 'accept' }).success).toBe(false);
    expect(LineMessageSchema.safeParse({ ...base, score: 1, verdict: 'accept', extra: 1 }).success).toBe(false);
  });

  it('has a JSON Schema naming every field (docs/line.md prints it)', () => {
    const schema = lineMessageJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual(['file', 'map', 'model', 'reason', 'score', 'time', 'verdict']);
    expect([...schema.required].sort()).toEqual(['file', 'model', 'score', 'time', 'verdict']);
    const doc = fs.readFileSync(new URL('../../docs/line.md', import.meta.url), 'utf8');
    const printed = /```json\n(\{\n  "\$id"[\s\S]*?)\n```/.exec(doc)?.[1];
    expect(printed && JSON.parse(printed)).toEqual(schema);
  });
});

describe('ignored names', () => {
  it('skips dot-files and temporary names, judges everything else', () => {
    expect(['.hidden.png', 'a.png.tmp', 'b.PART', 'c.crdownload', 'd.png~', 'Thumbs.db'].map(isIgnoredName)).toEqual([true, true, true, true, true, true]);
    expect(['a.png', 'b.jpg', 'readme.txt', 'part.png', 'tmp.png'].map(isIgnoredName)).toEqual([false, false, false, false, false]);
  });
});
