import type { AppEvent, ApiErrorBody, MethodName, RequestOf, ResponseOf } from '../../../app/api/contract';
import type { FlowspectBridge } from '../../../app/api/bridge';

/** A contract error as the renderer sees it: code + message (+ details), ready to show in place. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorBody['code'],
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface Client {
  readonly transport: 'ipc' | 'http';
  call<M extends MethodName>(method: M, params: RequestOf<M>): Promise<ResponseOf<M>>;
  subscribe(listener: (event: AppEvent) => void): () => void;
  /** URL of a file inside the open project (thumbnails, masks, maps, reports). */
  fileUrl(projectRelativePath: string): string;
}

declare global {
  interface Window {
    flowspect?: FlowspectBridge;
  }
}

function encodePath(rel: string): string {
  return rel.split('/').map(encodeURIComponent).join('/');
}

function ipcClient(bridge: FlowspectBridge): Client {
  return {
    transport: 'ipc',
    async call(method, params) {
      const reply = await bridge.invoke(method, params);
      if (!reply.ok) throw new ApiError(reply.error.code, reply.error.message, reply.error.details);
      return reply.result as never;
    },
    subscribe: (listener) => bridge.subscribe(listener),
    fileUrl: (rel) => `flowspect-file://project/${encodePath(rel)}`,
  };
}

function httpClient(): Client {
  // The printed URL carries ?token=; the server sets a same-site cookie on that load. Keep the token for
  // explicit headers too, and drop it from the address bar so it does not end up in screenshots or history.
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem('flowspect-token', fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  const token = fromUrl ?? sessionStorage.getItem('flowspect-token') ?? '';
  const listeners = new Set<(e: AppEvent) => void>();
  let source: EventSource | null = null;
  const EVENTS = ['job.progress', 'job.finished', 'live.verdict', 'live.state', 'log'] as const;

  function ensureSource(): void {
    if (source) return;
    source = new EventSource('api/events');
    for (const name of EVENTS) {
      source.addEventListener(name, (ev) => {
        const payload = JSON.parse((ev as MessageEvent<string>).data);
        for (const l of listeners) l({ event: name, payload } as AppEvent);
      });
    }
  }

  return {
    transport: 'http',
    async call(method, params) {
      let res: Response;
      try {
        res = await fetch(`api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-flowspect-token': token },
          body: JSON.stringify(params ?? {}),
          credentials: 'same-origin',
        });
      } catch (err) {
        throw new ApiError('unavailable', `cannot reach the Flowspect server: ${(err as Error).message}`);
      }
      const body = (await res.json().catch(() => null)) as { result?: unknown; error?: ApiErrorBody } | null;
      if (!res.ok || !body || body.error) {
        const e = body?.error ?? { code: 'internal' as const, message: `HTTP ${res.status}` };
        throw new ApiError(e.code, e.message, e.details);
      }
      return body.result as never;
    },
    subscribe(listener) {
      listeners.add(listener);
      ensureSource();
      return () => {
        listeners.delete(listener);
        if (!listeners.size) {
          source?.close();
          source = null;
        }
      };
    },
    fileUrl: (rel) => `files/${encodePath(rel)}`,
  };
}

/** IPC inside Electron (the preload exposes window.flowspect), HTTP + server-sent events in a browser. */
export function createClient(): Client {
  return window.flowspect ? ipcClient(window.flowspect) : httpClient();
}

export const client: Client = createClient();
