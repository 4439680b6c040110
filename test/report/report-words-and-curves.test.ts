import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReport } from '../../app/report/generate.js';
import { updateModel } from '../../app/store/models.js';
import { tempDir } from '../helpers.js';
import { createFixtureProject, type Fixture } from './fixture.js';

/**
 * What a report says and draws in two cases a newcomer met: bands passed to the report that are the model's own
 * (the Reports form starts from them) came from the model; and a model that separates perfectly (AUROC 1.0) has
 * ROC and PR curves on the very edges of the plot, which must still be drawn where one can see them.
 */
const t = tempDir('flowspect-report-words-');
let fx: Fixture;

beforeAll(async () => {
  fx = await createFixtureProject(path.join(t.dir, 'project'), { goods: 10, defects: 6 });
  updateModel(fx.project.db, fx.modelId, { thresholds: { review: -0.75, reject: -0.45, method: 'quantile', detail: '99.5% of clean validation scores' } });
}, 60_000);
afterAll(() => {
  fx?.project.close();
  t.cleanup();
});

const html = (r: { files: { html?: string } }): string => fs.readFileSync(fx.project.path(r.files.html!), 'utf8');

/** The inline SVG chart whose accessible name starts with `title`. */
function chart(doc: string, title: string): string {
  const start = doc.indexOf(`aria-label="${title}`);
  expect(start, `no chart "${title}" in the report`).toBeGreaterThan(0);
  const open = doc.lastIndexOf('<svg', start);
  return doc.slice(open, doc.indexOf('</svg>', start) + '</svg>'.length);
}

/** Pixels of the rendered chart within a small distance of `rgb` (the curve's colour). */
async function inkOf(svg: string, rgb: readonly [number, number, number]): Promise<number> {
  const { data, info } = await sharp(Buffer.from(svg)).raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if (Math.abs(data[i]! - rgb[0]) + Math.abs(data[i + 1]! - rgb[1]) + Math.abs(data[i + 2]! - rgb[2]) < 60) n++;
  }
  return n;
}

describe('report bands wording', () => {
  it('says bands came from the model when the bands passed are the model’s own', async () => {
    const r = await generateReport(fx.project, { modelId: fx.modelId, galleryLimit: 0, bands: { review: -0.75, reject: -0.45 } });
    expect(r.bandsMethod).toBe('stored with the model: quantile (99.5% of clean validation scores)');
    expect(html(r)).toContain('How they were chosen: stored with the model');
    expect(html(r)).not.toContain('set for this report');
  }, 60_000);

  it('says "set for this report" only for bands that differ from the model’s', async () => {
    const r = await generateReport(fx.project, { modelId: fx.modelId, galleryLimit: 0, bands: { review: -0.75, reject: -0.5 } });
    expect(r.bandsMethod).toBe('set for this report by the person who generated it');
  }, 60_000);
});

describe('ROC and PR curves of a perfect model', () => {
  it('are drawn inside the frame, thick and on top, so a chart at AUROC 1.0 does not look empty', async () => {
    // Every defect above every good part: AUROC 1, AP 1.
    fx.project.db
      .prepare("UPDATE results SET score = CASE WHEN (SELECT label FROM images WHERE id = results.image_id) = 'defect' THEN 0.5 + id * 0.01 ELSE -2 + id * 0.01 END WHERE model_id = ?")
      .run(fx.modelId);
    const doc = html(await generateReport(fx.project, { modelId: fx.modelId, galleryLimit: 0 }));
    const roc = chart(doc, 'ROC (image AUROC 1');
    const pr = chart(doc, 'Precision–recall (AP 1');

    // The plot frame, and the model's curve: every point of it strictly inside the frame, not on its border.
    for (const svg of [roc, pr]) {
      const frame = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none" stroke="#888"\/>/.exec(svg)!;
      const [x0, y0, w, h] = frame.slice(1).map(Number) as [number, number, number, number];
      const curve = /<path d="([^"]+)" fill="none" stroke="#(?:1d4e89|7b3294)" stroke-width="(\d+)"/.exec(svg)!;
      expect(Number(curve[2])).toBeGreaterThanOrEqual(3);
      // The frame is drawn before the curve, so the curve lies over it.
      expect(svg.indexOf(frame[0])).toBeLessThan(svg.indexOf(curve[0]));
      const xs = [...curve[1]!.matchAll(/[MLH]([\d.]+)/g)].map((m) => Number(m[1]));
      const ys = [...curve[1]!.matchAll(/(?:,|V)([\d.]+)/g)].map((m) => Number(m[1]));
      expect(Math.min(...xs)).toBeGreaterThan(x0 + 3);
      expect(Math.max(...xs)).toBeLessThan(x0 + w - 3);
      expect(Math.min(...ys)).toBeGreaterThan(y0 + 3);
      expect(Math.max(...ys)).toBeLessThan(y0 + h - 3);
    }

    // Rendered, the ROC (up the left edge, along the top: ≈ 600 px long) shows as a line at least 2 px wide.
    expect(await inkOf(roc, [0x1d, 0x4e, 0x89])).toBeGreaterThan(1200);
    // The PR curve runs along the top (≈ 390 px).
    expect(await inkOf(pr, [0x7b, 0x32, 0x94])).toBeGreaterThan(780);
  }, 60_000);
});
