import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type InvokeReply } from '../api/bridge.js';
import { dispatch } from '../api/dispatch.js';
import type { AppContext } from '../context.js';

/** The slice of Electron's ipcMain we use; tests pass an in-process fake with the same shape. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}
export interface IpcSenderEvent {
  readonly senderFrame?: { readonly url: string } | null;
}
/** A window's webContents (or a fake) that events are pushed to. */
export interface EventSink {
  send(channel: string, payload: unknown): void;
  isDestroyed?(): boolean;
}

/**
 * Serves the contract over Electron IPC. Every message passes one gate: calls from frames we did not load
 * (a navigated-away or injected frame) are refused before reaching a handler.
 */
export function registerIpc(
  ipcMain: IpcMainLike,
  app: AppContext,
  options: { isTrustedSender: (event: IpcSenderEvent) => boolean; sinks: () => EventSink[] },
): () => void {
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, raw): Promise<InvokeReply> => {
    if (!options.isTrustedSender(event)) {
      return { ok: false, error: { code: 'forbidden', message: 'IPC call from an untrusted frame' } };
    }
    const call = (raw ?? {}) as { method?: unknown; params?: unknown };
    if (typeof call.method !== 'string') {
      return { ok: false, error: { code: 'invalid_request', message: 'IPC call needs a method name' } };
    }
    return dispatch(call.method, call.params, { app, transport: 'ipc' });
  });
  const unsubscribe = app.events.subscribe((e) => {
    for (const sink of options.sinks()) {
      if (!sink.isDestroyed?.()) sink.send(IPC_EVENT_CHANNEL, e);
    }
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
  };
}
