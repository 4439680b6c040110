import { z } from 'zod';
import { defineMethod, Empty } from '../define.js';

export const appMethods = {
  'app.info': defineMethod({
    summary: 'Version, platform and the execution providers ONNX Runtime offers here.',
    request: Empty,
    response: z.object({
      version: z.string(),
      platform: z.string(),
      arch: z.string(),
      node: z.string(),
      transport: z.enum(['ipc', 'http']),
      userDataDir: z.string(),
      executionProviders: z.array(z.string()),
    }),
  }),
};
