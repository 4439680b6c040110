/**
 * Default weights of the objective's extra terms: one table read by the settings schema (config.ts) and by the
 * renderer's training form, so the two cannot drift. Plain data, no imports: the renderer bundles it.
 * The margin is off by default: on the demo set it made the flow fit the synthesized defects at the expense of real
 * ones (README, "What is measured").
 */
export const DEFAULT_OBJECTIVE_WEIGHTS = {
  unmasked: 0.5,
  margin: 0,
  contrast: 0.2,
  pull: 0.05,
  ce: 0.2,
} as const;
