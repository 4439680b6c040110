import { EventEmitter } from 'node:events';
import type { AppEvent, EventName, EventPayload } from './events.js';

/** Typed fan-out of contract events to every connected transport (IPC windows, SSE clients, CLI printers). */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.emitter.emit('event', { event, payload });
  }

  /** Subscribes to all events; returns the unsubscribe function. */
  subscribe(listener: (e: AppEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
