import type { Canvas, Mask } from './canvas.js';
import type { Rng } from './random.js';

/** One demo product: how to render a good part and each of its defect types. */
export interface DemoCategory {
  readonly name: string;
  /** Defect type names, used as MVTec AD folder names under test/ and ground_truth/. */
  readonly defectTypes: readonly string[];
  /** Renders a `size` x `size` scene (before the camera); `defect` null renders a good part with mask null. */
  render(rng: Rng, size: number, defect: string | null): { canvas: Canvas; mask: Mask | null };
}
