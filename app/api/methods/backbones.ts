import { z } from 'zod';
import { ExtractPayload } from '../../model/backbone/extract-payload.js';
import { defineMethod } from '../define.js';
import { AbsPath, Job } from '../../core/schemas.js';

const Tap = z.object({ name: z.string(), channels: z.number().int(), stride: z.number().int() });

export const Backbone = z.object({
  name: z.string(),
  kind: z.enum(['builtin', 'imported']),
  sha256: z.string(),
  taps: z.array(Tap),
  /** Input H and W must be multiples of this. */
  multipleOf: z.number().int(),
  source: z.string(),
});

export const backboneMethods = {
  'backbones.list': defineMethod({
    summary: 'The built-in backbone and those imported into the open project (none open: the built-in one).',
    request: z.object({}).strict(),
    response: z.array(Backbone),
  }),
  'backbones.import': defineMethod({
    summary: 'Import an ONNX file as a backbone of the open project: taps detected (or given), graph cut, dry-run, stored.',
    request: z
      .object({
        path: AbsPath,
        name: z.string().min(1).max(64).optional(),
        taps: z.array(z.string().min(1)).min(1).max(8).optional(),
        normalization: z.enum(['imagenet', 'unit', 'minus1to1', 'none']).default('imagenet'),
        channelOrder: z.enum(['rgb', 'bgr']).default('rgb'),
        size: z.number().int().min(16).max(4096).default(256),
      })
      .strict(),
    response: z.object({ backbone: Backbone, autoTaps: z.boolean(), nodesKept: z.number().int(), nodesTotal: z.number().int() }),
  }),
  'backbones.extract': defineMethod({
    summary: "Start a job caching a backbone's features of a dataset's clean images.",
    request: ExtractPayload,
    response: Job,
  }),
};
