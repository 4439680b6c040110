import type { HandlerContext } from '../../context.js';
import type { HandlerGroup } from '../define.js';
import type { liveMethods } from '../methods/live.js';

/** The live.* methods, all answered by the one watcher service the app context holds (app/watch/live-service.ts). */
export const liveHandlers: HandlerGroup<typeof liveMethods, HandlerContext> = {
  'live.start': (req, { app }) => app.live.start(app.writableProject(), req),
  'live.stop': (_req, { app }) => app.live.stop(),
  'live.pause': (_req, { app }) => app.live.pause(),
  'live.resume': (_req, { app }) => app.live.resume(),
  'live.status': (_req, { app }) => app.live.status(),
};
