import os from 'node:os';
import { listSupportedBackends } from 'onnxruntime-node';
import type { HandlerContext } from '../../context.js';
import type { HandlerGroup } from '../define.js';
import type { appMethods } from '../methods/app.js';
import { APP_VERSION } from '../../core/version.js';

export const appHandlers: HandlerGroup<typeof appMethods, HandlerContext> = {
  'app.info': (_req, ctx) => ({
    version: APP_VERSION,
    platform: os.platform(),
    arch: os.arch(),
    node: process.versions.node,
    transport: ctx.transport,
    userDataDir: ctx.app.userDataDir,
    executionProviders: listSupportedBackends()
      .filter((b) => b.name !== 'webgpu')
      .map((b) => `${b.name}${b.bundled ? '' : ' (needs provider libraries)'}`),
  }),
};
