/**
 * The MQTT line output: each line message published to one topic with QoS 1 (the broker acknowledges it; mqtt.js
 * sends again what was unacknowledged after a reconnect), through a bounded outbox. The client reconnects every
 * second while the broker is away; publishes wait meanwhile (at most the outbox's senders, the rest in the outbox,
 * which drops the oldest when full), so a broker outage never blocks scoring.
 */
import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import { AppError } from '../../core/errors.js';
import { Outbox, type OutboxOptions } from './outbox.js';

const SCHEMES = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:']);

/** The broker URL checked (mqtt://host:1883, mqtts://, ws://, wss://); refused otherwise, naming the flag. */
export function parseMqttUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('invalid_request', `--mqtt "${raw}" is not a URL (e.g. mqtt://127.0.0.1:1883)`);
  }
  if (!SCHEMES.has(url.protocol)) throw new AppError('invalid_request', `--mqtt must be an mqtt://, mqtts://, ws:// or wss:// URL (got ${url.protocol})`);
  if (!url.hostname) throw new AppError('invalid_request', `--mqtt "${raw}" has no host`);
  return url;
}

/** A topic to publish to: not empty, no wildcards, no NUL, at most 65535 bytes (MQTT 3.1.1 §4.7). */
export function checkTopic(topic: string | undefined): string {
  if (!topic) throw new AppError('invalid_request', '--topic T is required with --mqtt (e.g. --topic line3/verdicts)');
  if (/[#+\u0000]/.test(topic)) throw new AppError('invalid_request', `--topic "${topic}" must not contain the wildcards + or # (or NUL): it is published to, not subscribed`);
  if (Buffer.byteLength(topic) > 65535) throw new AppError('invalid_request', '--topic is longer than 65535 bytes');
  return topic;
}

export interface MqttOutput {
  readonly outbox: Outbox;
  /** Drains the outbox (up to `timeoutMs`) and disconnects. */
  close(timeoutMs: number): Promise<void>;
}

/** Connects (in the background, reconnecting) and returns the outbox that publishes to `topic`. */
export function mqttOutput(url: URL, topic: string, o: Omit<OutboxOptions, 'name'>): MqttOutput {
  const name = `MQTT ${url.protocol}//${url.host} topic ${topic}`;
  const client: MqttClient = connect(url.href, {
    clientId: `flowspect-${process.pid}-${randomBytes(3).toString('hex')}`,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // Verdicts are never queued at QoS 0; QoS 1 packets wait in the client's store until acknowledged.
    queueQoSZero: false,
  });
  let lastError = '';
  client.on('error', (err) => {
    if (err.message === lastError) return;
    lastError = err.message;
    o.warn(`${name}: ${err.message}; reconnecting`);
  });
  client.on('connect', () => {
    if (lastError) o.warn(`${name}: connected again`);
    lastError = '';
  });
  const outbox = new Outbox(async (body) => {
    await client.publishAsync(topic, body, { qos: 1 });
  }, { concurrency: 8, ...o, name });
  return {
    outbox,
    async close(timeoutMs) {
      const drained = await outbox.drain(timeoutMs);
      await client.endAsync(!drained);
    },
  };
}
