/**
 * The webhook line output: one POST per verdict, JSON body = the line message, through a bounded outbox (retry with
 * back-off, drop-oldest; outbox.ts). 2xx is delivered; 408, 425, 429 and 5xx, timeouts and network errors are
 * retried; any other status is a permanent failure (the endpoint refuses the message, retrying will not help).
 */
import { AppError } from '../../core/errors.js';
import { APP_VERSION } from '../../core/version.js';
import { Outbox, type OutboxOptions, PermanentSendError } from './outbox.js';

const RETRYABLE = new Set([408, 425, 429]);

/** The URL checked: http or https, a host; refused otherwise, naming the flag. */
export function parseWebhookUrl(raw: string, flag = '--webhook'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('invalid_request', `${flag} "${raw}" is not a URL (e.g. http://127.0.0.1:8080/verdicts)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AppError('invalid_request', `${flag} must be an http:// or https:// URL (got ${url.protocol})`);
  if (!url.hostname) throw new AppError('invalid_request', `${flag} "${raw}" has no host`);
  return url;
}

/** The URL as it may be printed: without a password. */
export function redactedUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href;
}

export interface WebhookOptions extends Omit<OutboxOptions, 'name'> {
  /** Per attempt (default 5 s). */
  readonly timeoutMs?: number;
}

/** An outbox that POSTs each message to `url`. */
export function webhookOutbox(url: URL, o: WebhookOptions): Outbox {
  const timeoutMs = o.timeoutMs ?? 5000;
  const send = async (body: string): Promise<void> => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': `flowspect/${APP_VERSION}` },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new AppError('unavailable', `POST failed (${(err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (cause ?? (err as Error).message)})`);
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.ok) return;
    const text = `HTTP ${res.status} ${res.statusText}`.trim();
    if (res.status >= 500 || RETRYABLE.has(res.status)) throw new AppError('unavailable', text);
    throw new PermanentSendError(`${text} (not retried)`);
  };
  return new Outbox(send, { ...o, name: `webhook ${redactedUrl(url)}` });
}
