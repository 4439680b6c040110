import { z } from 'zod';
import { defineMethod, Empty, Ok } from '../define.js';
import { Id, IsoTime } from '../../core/schemas.js';
import type { SynthesisParams } from '../../synthesis/params.js';

/** Params are validated by the synthesis engine's own schema (parseParams), whose messages name field and range. */
const Params = z.custom<SynthesisParams>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  error: 'params must be an object (see synthesis.schema)',
});

export const SynthesisPreset = z.object({
  id: Id,
  name: z.string(),
  builtin: z.boolean(),
  description: z.string(),
  params: Params,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});

const PresetName = z.string().trim().min(1).max(64);

const PreviewItem = z.object({
  imageId: Id,
  width: z.number().int(),
  height: z.number().int(),
  /** PNG data URL (`data:image/png;base64,…`), same channels and bit depth as the image: usable as <img src>. */
  image: z.string(),
  /** PNG data URL of the mask: 255 = defect, 0 = normal. */
  mask: z.string(),
  maskFraction: z.number(),
  defects: z.array(z.object({ shape: z.string(), content: z.string(), x: z.number(), y: z.number(), w: z.number(), h: z.number() })),
});

/** What "like these" measured on one defect (app/synthesis/from-defects.ts DefectMeasurement). */
const DefectMeasured = z.object({
  imageId: Id,
  /** Mask area, fraction of the image. */
  area: z.number(),
  /** Major / minor axis of the mask's inertia ellipse. */
  aspect: z.number(),
  /** Major axis, fraction of the image diagonal; mean width, fraction of the short side. */
  length: z.number(),
  width: z.number(),
  lineLike: z.boolean(),
  /** Mean change inside vs the surface around it, fraction of full scale (negative = darker). */
  offset: z.number(),
  /** Colour change: the largest channel's departure from the mean change. */
  tint: z.number(),
  /** Edge change / interior change: 1 = a hard edge, near 0 = a soft one. */
  edgeSharpness: z.number(),
});

const DefectCrop = z.object({
  imageId: Id,
  originalPath: z.string(),
  defectType: z.string().nullable(),
  /** The cropped square in image pixels (the part of it inside the image). */
  box: z.object({ x: z.number().int(), y: z.number().int(), w: z.number().int(), h: z.number().int() }),
  /** Mask area as a fraction of the whole image (comparable with a preview's maskFraction). */
  area: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  /** PNG data URLs of the crop and of its mask (255 = defect), like synthesis.preview's. */
  image: z.string(),
  mask: z.string(),
});

export const synthesisMethods = {
  'synthesis.listPresets': defineMethod({
    summary: "The project's synthesis presets: the eight built-ins (read-only) first, then user presets.",
    request: Empty,
    response: z.array(SynthesisPreset),
  }),
  'synthesis.createPreset': defineMethod({
    summary: 'Store a new preset; params are validated (unknown keys and out-of-range values are rejected).',
    request: z.object({ name: PresetName, params: Params }).strict(),
    response: SynthesisPreset,
  }),
  'synthesis.updatePreset': defineMethod({
    summary: 'Rename a user preset and/or replace its params (built-ins cannot be changed).',
    request: z.object({ id: Id, name: PresetName.optional(), params: Params.optional() }).strict(),
    response: SynthesisPreset,
  }),
  'synthesis.deletePreset': defineMethod({
    summary: 'Delete a user preset (built-ins cannot be deleted).',
    request: z.object({ id: Id }).strict(),
    response: Ok,
  }),
  'synthesis.presetFromDefects': defineMethod({
    summary: "Store a new preset estimated from confirmed defects with masks ('like these': size, elongation, intensity and colour change, edge softness).",
    request: z.object({ name: PresetName, imageIds: z.array(Id).min(1).max(500) }).strict(),
    response: SynthesisPreset.extend({ measured: z.array(DefectMeasured) }),
  }),
  'synthesis.defectCrops': defineMethod({
    summary: 'Confirmed defects with masks cropped around their mask (with the mask cut the same way), to compare with synthesized ones.',
    request: z
      .object({
        imageIds: z.array(Id).min(1).max(16),
        /** Longest side of a crop in px (a smaller crop is not enlarged). */
        size: z.number().int().min(32).max(512).default(192),
      })
      .strict(),
    response: z.object({ items: z.array(DefectCrop) }),
  }),
  'synthesis.schema': defineMethod({
    summary: 'JSON Schema of synthesis params, with every allowed range (for building the tuning form).',
    request: Empty,
    response: z.record(z.string(), z.unknown()),
  }),
  'synthesis.preview': defineMethod({
    summary: 'Synthesize defects into stored images for the live preview: PNG data URLs of images and masks.',
    request: z
      .object({
        /** A preset name of this project, or a params object (the sliders' current state). */
        preset: z.union([PresetName, Params]),
        imageIds: z.array(Id).min(1).max(16),
        seed: z.number().int().min(0).max(4294967295),
        /** Images are scaled so their longest side is at most this (previews stay fast). */
        maxSide: z.number().int().min(32).max(2048).default(512),
      })
      .strict(),
    response: z.object({ items: z.array(PreviewItem), seconds: z.number() }),
  }),
};
