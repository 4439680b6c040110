import type { Canvas, Mask } from './canvas.js';
import type { Rng } from './random.js';

/** One demo product: how to render a good part and each of its defect types. */
export interface DemoCategory {
  readonly name: string;
  /** Defect type names, used as MVTec AD folder names under test/ and ground_truth/. */
  readonly defectTypes: readonly string[];
  /**
   * A part photographed on a fixture (it sits a few pixels differently each time) rather than a texture: the demo
   * and the benchmarks train it with alignment (README, "Alignment"), as a user would.
   */
  readonly fixtured: boolean;
  /** Renders a `size` x `size` scene (before the camera); `defect` null renders a good part with mask null. */
  render(rng: Rng, size: number, defect: string | null): { canvas: Canvas; mask: Mask | null };
}
