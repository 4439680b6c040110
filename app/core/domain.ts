/**
 * The domain's words that every layer spells the same way — the contract, the store, training, reports and the
 * renderer: an image's split and label, a model's objective and an export's precision. One list each, its zod enum
 * (for request and settings schemas) and its type. The enums are marked pure so the renderer, which imports only the lists and
 * types, does not bundle zod.
 */
import { z } from 'zod';

/** Where an image is used: fitting the flow, choosing thresholds and validating, or the held-out test. */
export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];
export const Split = /* @__PURE__ */ z.enum(SPLITS);

/** What an image is: a good part, a defective part, or one left out of training and metrics. */
export const IMAGE_LABELS = ['good', 'defect', 'ignore'] as const;
export type ImageLabel = (typeof IMAGE_LABELS)[number];
export const ImageLabel = /* @__PURE__ */ z.enum(IMAGE_LABELS);

/** The training objective: CL-Flow (with synthesized defects) or plain FastFlow (maximum likelihood). */
export const OBJECTIVES = ['clflow', 'fastflow'] as const;
export type Objective = (typeof OBJECTIVES)[number];
export const Objective = /* @__PURE__ */ z.enum(OBJECTIVES);

/** The numbers an exported model computes in: float32, or an int8 backbone (checked against float32 when exported). */
export const PRECISIONS = ['fp32', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];
export const Precision = /* @__PURE__ */ z.enum(PRECISIONS);
