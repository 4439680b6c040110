import { z } from 'zod';
import { defineMethod, Empty } from '../define.js';
import { LiveStatusSchema } from '../../core/live.js';
import { AbsPath, Id } from '../../core/schemas.js';

/**
 * Live inspection (app/watch): one watcher per workstation scoring what arrives in a folder, in the main process.
 * Each judged part is stored in the project (dataset "live: <folder>", shown in Review) and pushed as a
 * `live.verdict` event; every change of state as `live.state`.
 */
export const liveMethods = {
  'live.start': defineMethod({
    summary: 'Start scoring every image that appears in a folder with a ready model (refused while one runs).',
    request: z
      .object({
        modelId: Id,
        /** The folder parts arrive in (absolute). */
        dir: AbsPath,
        /** Move each judged file here (absolute), out of the watched folder. */
        moveTo: AbsPath.optional(),
      })
      .strict(),
    response: LiveStatusSchema,
  }),
  'live.stop': defineMethod({
    summary: 'Stop after the batch in flight is stored and sent.',
    request: Empty,
    response: LiveStatusSchema,
  }),
  'live.pause': defineMethod({
    summary: 'Stop taking files; complete ones wait (nothing is lost) until live.resume.',
    request: Empty,
    response: LiveStatusSchema,
  }),
  'live.resume': defineMethod({
    summary: 'Take files again after live.pause.',
    request: Empty,
    response: LiveStatusSchema,
  }),
  'live.status': defineMethod({
    summary: 'What the watcher is doing: state, folder, counts per verdict, parts/s, queue.',
    request: Empty,
    response: LiveStatusSchema,
  }),
};
