import type { AppEvent } from '../core/events.js';
import type { ApiErrorBody } from '../core/errors.js';

/** IPC channel names: the only two the preload exposes. */
export const IPC_INVOKE_CHANNEL = 'flowspect:invoke';
export const IPC_EVENT_CHANNEL = 'flowspect:event';

export type InvokeReply = { ok: true; result: unknown } | { ok: false; error: ApiErrorBody };

/** What the preload exposes as `window.flowspect` (the renderer's typed client wraps it). */
export interface FlowspectBridge {
  invoke(method: string, params: unknown): Promise<InvokeReply>;
  subscribe(listener: (event: AppEvent) => void): () => void;
}
