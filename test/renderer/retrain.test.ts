import { describe, expect, it } from 'vitest';
import { comparisonRows, retrainRequest, type Comparison } from '../../renderer/src/lib/retrain';

/** Review's one-step retrain (issue 23): the request repeats the model's stored choices; the rows compare fairly. */
const model = {
  id: 4,
  name: 'bottle clflow',
  datasetId: 2,
  objective: 'clflow',
  config: { settings: { epochs: 3, realDefectShare: 0.5 }, selection: { category: 'bottle', datasetId: 2 } },
} as unknown as Parameters<typeof retrainRequest>[0];

describe('retrain from Review', () => {
  it("trains with the model's objective, stored settings and category, under a name that says why", () => {
    expect(retrainRequest(model)).toEqual({
      category: 'bottle',
      datasetId: 2,
      objective: 'clflow',
      settings: { epochs: 3, realDefectShare: 0.5 },
      name: 'bottle clflow + confirmed defects and false alarms',
    });
    const long = retrainRequest({ ...model, name: 'x'.repeat(300), config: {} } as typeof model);
    expect(long.name!.length).toBe(200);
    expect(long).toMatchObject({ datasetId: 2, settings: {} });
    expect(long).not.toHaveProperty('category');
  });

  it('compares AUROC and verdicts on the same images, marking the better side', () => {
    const counts = (accept: number, review: number, reject: number, error: number) => ({ accept, review, reject, error });
    const c: Comparison = {
      split: 'test',
      images: { shared: 5, good: 2, defect: 3, aurocImages: 4 },
      baseline: { modelId: 1, name: 'old', imageAuroc: 0.5, verdicts: { good: counts(1, 0, 1, 0), defect: counts(1, 1, 0, 1) } },
      candidate: { modelId: 2, name: 'new', imageAuroc: 1, verdicts: { good: counts(2, 0, 0, 0), defect: counts(0, 0, 3, 0) } },
      onlyBaseline: 1,
      onlyCandidate: 0,
    };
    expect(comparisonRows(c).map((r) => [r.what, r.baseline, r.candidate, r.better])).toEqual([
      ['image AUROC', '0.5000', '1.0000', 'candidate'],
      ['defects rejected (of 3)', '0', '3', 'candidate'],
      ['defects passed (missed)', '1', '0', 'candidate'],
      ['good parts passed (of 2)', '1', '2', 'candidate'],
      ['good parts rejected (false alarms)', '1', '0', 'candidate'],
      ['sent to review', '1', '0', 'candidate'],
      ['not judged (error)', '1', '0', 'candidate'],
    ]);
    expect(comparisonRows({ ...c, candidate: { ...c.baseline, imageAuroc: null } })[0]).toMatchObject({ candidate: '—', better: null });
  });
});
