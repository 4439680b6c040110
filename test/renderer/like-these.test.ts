import { describe, expect, it } from 'vitest';
import { likeTheseBlocked, likeTheseName, measuredSummary, previewFocus, zoomLayerStyle, type DefectMeasured } from '../../renderer/src/lib/like-these';

/** "Like these defects" in the Synthesis view (issue 23): naming, the disabled reason, the measured words, the zoom. */
const measured = (m: Partial<DefectMeasured>): DefectMeasured => ({
  imageId: 1, area: 0.01, aspect: 1.4, length: 0.1, width: 0.05, lineLike: false, offset: -0.08, tint: 0.02, edgeSharpness: 0.9, ...m,
});

describe('like these defects', () => {
  it('names the preset after the category, numbered when taken, within 64 characters', () => {
    expect(likeTheseName('fabric', ['mixed', 'scratch'])).toBe('like fabric');
    expect(likeTheseName('fabric', ['like fabric', 'like fabric 2'])).toBe('like fabric 3');
    const long = likeTheseName('c'.repeat(80), ['like ' + 'c'.repeat(59)]);
    expect(long).toBe(`like ${'c'.repeat(57)} 2`);
    expect(long.length).toBe(64);
  });

  it('is disabled, with the reason and what to do, when the category has no masked defects', () => {
    expect(likeTheseBlocked('metal', 0)).toBe('No confirmed defects with masks in metal; mask them in Review.');
    expect(likeTheseBlocked(null, 3)).toBe('Choose a category first.');
    expect(likeTheseBlocked('metal', 2)).toBeNull();
  });

  it('says what was measured: count and shapes, area, elongation, contrast, colour change, edge', () => {
    const lines = measuredSummary([
      measured({ area: 0.004, offset: -0.12, edgeSharpness: 0.3 }),
      measured({ area: 0.021, aspect: 9.2, lineLike: true, offset: -0.06, tint: 0.001 }),
      measured({ area: 0.012, offset: -0.08, tint: 0.034 }),
    ]);
    expect(Object.fromEntries(lines.map((l) => [l.label, l.value]))).toEqual({
      Defects: '3 measured: 2 blobs, 1 line',
      Area: '0.40–2.1 % of the image',
      Elongation: '1.4–9.2 : 1',
      Contrast: '6.0–12 % darker',
      'Colour change': 'up to 3.4 %',
      Edge: '1 soft, 2 hard',
    });
    const one = Object.fromEntries(measuredSummary([measured({ offset: 0.05, tint: 0.001, edgeSharpness: 0.2 })]).map((l) => [l.label, l.value]));
    expect(one).toMatchObject({ Defects: '1 measured: 1 blob', Area: '1.0 % of the image', Contrast: '5.0 % brighter', 'Colour change': 'none (grey change only)', Edge: 'soft' });
    expect(measuredSummary([measured({ offset: -0.03 }), measured({ offset: 0.05 })]).find((l) => l.label === 'Contrast')!.value).toBe('−3.0 % to +5.0 %');
    expect(measuredSummary([])).toEqual([]);
  });

  it("zooms a preview to its largest defect's comparison square, the image scaled to match", () => {
    expect(previewFocus([], 256, 256)).toBeNull();
    const focus = previewFocus([{ x: 10, y: 10, w: 6, h: 6 }, { x: 100, y: 150, w: 40, h: 20 }], 256, 192)!;
    // Centred on the larger defect, moved up to stay inside the 192 px tall image.
    expect(focus).toEqual({ x: 80, y: 112, w: 80, h: 80 });
    // The layer is the whole image at frame / 80 scale, its corner moved so (80, 112) sits at the frame's corner.
    expect(zoomLayerStyle(focus, 256, 192)).toBe('left: -100.000%; top: -140.000%; width: 320.000%; height: 240.000%;');
  });
});
