/**
 * A result's anomaly map as decoded values, so a view can draw every stored form (the demo's exact `.f16` maps as
 * well as the display PNGs) with the one colour map, at the model's own scale.
 */
import { z } from 'zod';
import { defineMethod } from '../define.js';
import { Id } from '../../core/schemas.js';

export const resultMapMethods = {
  'results.map': defineMethod({
    summary: "One result's anomaly map decoded (.f16, .png, .npy, .f32): width, height and the values as base64 float32 little-endian.",
    request: z.object({ resultId: Id }).strict(),
    response: z.object({
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      /** 'score': the model's own units (comparable with its thresholds); 'relative': a display PNG's 0–1 grey. */
      scale: z.enum(['score', 'relative']),
      valuesBase64: z.string(),
    }),
  }),
};
