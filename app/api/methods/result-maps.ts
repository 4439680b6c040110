/**
 * A result's anomaly map as decoded values, so a view can draw every stored form (the demo's exact `.f16` maps as
 * well as the display PNGs) with the one colour map, at the model's own scale.
 */
import { z } from 'zod';
import { defineMethod } from '../define.js';
import { Id } from '../../core/schemas.js';
import { Mask } from './datasets.js';

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
  'results.maskFromMap': defineMethod({
    summary:
      "Accept a result's thresholded anomaly map as its image's defect mask (PNG at the image's size, replacing one there); refine it later like any mask.",
    request: z
      .object({
        resultId: Id,
        /** In the model's score units (default: its reject threshold); converted for a display-PNG map. */
        threshold: z.number().finite().optional(),
      })
      .strict(),
    response: z.object({
      mask: Mask,
      imageId: Id,
      /** The threshold used, in the model's score units, and as the stored map holds it. */
      threshold: z.number(),
      mapThreshold: z.number(),
      /** Mask pixels, and their share of the image. */
      area: z.number().int().positive(),
      coverage: z.number().min(0).max(1),
    }),
  }),
};
