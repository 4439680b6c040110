/** Connected regions now live in app/core/regions.ts (shared with the flagged regions of Review and reports). */
export { labelRegions, type Regions } from '../core/regions.js';
