/**
 * Real line endpoints on 127.0.0.1 for the watch tests: a node:http webhook receiver (which can fail chosen
 * requests) and an aedes MQTT broker on a net server (which can be started after the client, on a port reserved
 * for it, to exercise reconnecting).
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

export interface WebhookReceiver {
  readonly url: string;
  /** Bodies answered 2xx, parsed, in arrival order. */
  readonly delivered: unknown[];
  /** Every request's body with the status it got. */
  readonly attempts: { body: unknown; status: number }[];
  close(): Promise<void>;
}

/** `statusFor(body, attemptsSoFarForThisBody)` chooses each answer (default 200). */
export async function webhookReceiver(statusFor: (body: unknown, earlier: number) => number = () => 200): Promise<WebhookReceiver> {
  const delivered: unknown[] = [];
  const attempts: { body: unknown; status: number }[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      const body = JSON.parse(text);
      const earlier = attempts.filter((a) => JSON.stringify(a.body) === JSON.stringify(body)).length;
      const status = req.method === 'POST' && req.headers['content-type'] === 'application/json' ? statusFor(body, earlier) : 415;
      attempts.push({ body, status });
      if (status >= 200 && status < 300) delivered.push(body);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/verdicts`,
    delivered,
    attempts,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** A free port on 127.0.0.1 (listened on and released). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Broker {
  readonly url: string;
  /** Messages clients published: topic, QoS, payload parsed as JSON. */
  readonly published: { topic: string; qos: number; payload: unknown }[];
  close(): Promise<void>;
}

export async function mqttBroker(port = 0): Promise<Broker> {
  const broker = await Aedes.createBroker();
  const published: Broker['published'] = [];
  broker.on('publish', (packet, client) => {
    if (client) published.push({ topic: packet.topic, qos: packet.qos, payload: JSON.parse(packet.payload.toString()) });
  });
  const server = net.createServer(broker.handle);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    published,
    close: async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
