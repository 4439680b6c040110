/**
 * One soak client: the HTTP API as the browser renderer uses it (POST /api/METHOD with the token, GET /files/… for
 * thumbnails, the /api/events stream), every request timed into the shared Recorder. A failed request is recorded
 * and thrown as a RecordedFailure, so the workload abandons that operation and goes on.
 */
import type { Recorder } from './recorder.js';

export class RecordedFailure extends Error {}

export class SoakClient {
  private readonly headers: Record<string, string>;

  constructor(
    readonly origin: string,
    token: string,
    private readonly recorder: Recorder,
  ) {
    this.headers = { authorization: `Bearer ${token}` };
  }

  /** Calls a contract method; resolves with its result. */
  async call<T>(method: string, params: object = {}): Promise<T> {
    const started = performance.now();
    let status: number | null = null;
    let failure: string;
    try {
      const res = await fetch(`${this.origin}/api/${method}`, {
        method: 'POST',
        headers: { ...this.headers, 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      status = res.status;
      const body = (await res.json()) as { result?: T; error?: { code: string; message: string } };
      if (res.ok) return body.result as T;
      failure = `${res.status} ${body.error?.code}: ${body.error?.message}`;
    } catch (err) {
      failure = (err as Error).message;
    } finally {
      this.recorder.request(method, performance.now() - started);
    }
    return this.failed(method, status, `${method}: ${failure}`);
  }

  /** GETs a project file (as the renderer loads thumbnails and maps); resolves with its size in bytes. */
  async file(rel: string): Promise<number> {
    const started = performance.now();
    let status: number | null = null;
    let failure: string;
    try {
      const res = await fetch(`${this.origin}/files/${rel.split('/').map(encodeURIComponent).join('/')}`, { headers: this.headers });
      status = res.status;
      const bytes = (await res.arrayBuffer()).byteLength;
      if (res.ok && bytes > 0) return bytes;
      failure = `${res.status}, ${bytes} bytes`;
    } catch (err) {
      failure = (err as Error).message;
    } finally {
      this.recorder.request('GET /files', performance.now() - started);
    }
    return this.failed('GET /files', status, `GET /files/${rel}: ${failure}`);
  }

  /**
   * Holds the server-sent event stream open (as the renderer does) until `signal` aborts; counts its events. A stream
   * that ends or breaks before that is a failure.
   */
  async events(signal: AbortSignal, onEvent: (name: string) => void): Promise<void> {
    try {
      const res = await fetch(`${this.origin}/api/events`, { headers: this.headers, signal });
      if (!res.ok || !res.body) throw new Error(`status ${res.status}`);
      const decoder = new TextDecoder();
      let pending = '';
      for await (const chunk of res.body) {
        pending += decoder.decode(chunk as Uint8Array, { stream: true });
        const frames = pending.split('\n\n');
        pending = frames.pop() ?? '';
        for (const f of frames) {
          const name = /^event: (.+)$/m.exec(f)?.[1];
          if (name) onEvent(name);
        }
      }
      if (!signal.aborted) throw new Error('the stream ended while the server was still serving');
    } catch (err) {
      if (signal.aborted) return;
      this.recorder.fail({ method: 'events', status: null, message: `events: ${(err as Error).message}` });
    }
  }

  /** Records a wrong answer (the request succeeded but contradicts what this client did) and abandons the operation. */
  wrong(method: string, message: string): never {
    return this.failed(method, null, `${method}: ${message}`);
  }

  private failed(method: string, status: number | null, message: string): never {
    this.recorder.fail({ method, status, message });
    throw new RecordedFailure(message);
  }
}
