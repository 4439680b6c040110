/**
 * The line outputs of one watcher together: the results file (fsync'd JSON lines), the webhook and the MQTT
 * outboxes. `emit` writes a batch's lines to the file first (it may throw: a results file that cannot be written
 * stops the watcher, since its lines are what downstream reads) and then pushes them into the outboxes, which
 * never block. `close` drains the outboxes up to a deadline and closes the file.
 */
import type { OutboxStats } from './outbox.js';
import { JsonlFile } from './jsonl.js';
import { mqttOutput, type MqttOutput } from './mqtt.js';
import { webhookOutbox } from './webhook.js';
import type { Outbox } from './outbox.js';

export interface LineOutputSpec {
  /** The results file (JSON lines). */
  readonly out?: string;
  readonly webhook?: URL;
  readonly mqtt?: { readonly url: URL; readonly topic: string };
  /** Outbox tuning (tests shorten the back-off). */
  readonly outbox?: { readonly capacity?: number; readonly baseDelayMs?: number; readonly maxDelayMs?: number; readonly maxAttempts?: number };
}

export interface LineOutputStats {
  readonly webhook?: OutboxStats;
  readonly mqtt?: OutboxStats;
}

export class LineOutputs {
  private constructor(
    private readonly file: JsonlFile | null,
    private readonly webhook: Outbox | null,
    private readonly mqtt: MqttOutput | null,
  ) {}

  static open(spec: LineOutputSpec, warn: (message: string) => void): LineOutputs {
    const file = spec.out ? JsonlFile.open(spec.out) : null;
    const tuning = { ...spec.outbox, warn };
    const webhook = spec.webhook ? webhookOutbox(spec.webhook, tuning) : null;
    const mqtt = spec.mqtt ? mqttOutput(spec.mqtt.url, spec.mqtt.topic, tuning) : null;
    return new LineOutputs(file, webhook, mqtt);
  }

  get resultsFile(): string | null {
    return this.file?.file ?? null;
  }

  /** Sends a batch of encoded line messages: file (one write, fsync), then the outboxes. */
  emit(lines: readonly string[]): void {
    this.file?.append(lines);
    for (const line of lines) {
      this.webhook?.push(line);
      this.mqtt?.outbox.push(line);
    }
  }

  stats(): LineOutputStats {
    return { ...(this.webhook ? { webhook: this.webhook.stats() } : {}), ...(this.mqtt ? { mqtt: this.mqtt.outbox.stats() } : {}) };
  }

  /** Delivers what the outboxes hold (both at once, at most `timeoutMs`), disconnects and closes the file. */
  async close(timeoutMs: number): Promise<void> {
    await Promise.all([this.webhook?.drain(timeoutMs), this.mqtt?.close(timeoutMs)]);
    this.file?.close();
  }
}
