import { describe, expect, it } from 'vitest';
import { trainingDefectState, trainingDefectTag } from '../../renderer/src/lib/training-defect';

/** Review's "Use for training" states and the list's tag: train and held-out stay explicit (issue 23). */
describe('training defect state', () => {
  const r = (label: string, split: string, hasMask: boolean, review: string | null = null) => ({ label, split, hasMask, review });

  it('is a training defect only as a labelled defect of split train with a mask', () => {
    expect(trainingDefectState(r('defect', 'train', true))).toBe('training');
    expect(trainingDefectTag(r('defect', 'train', true))).toBe('training defect');
    expect(trainingDefectState(r('defect', 'train', false))).toBe('unmasked');
    expect(trainingDefectTag(r('defect', 'train', false))).toBe('train defect, no mask');
  });

  it('offers a held-out labelled defect, or one the reviewer decided is a defect, for training', () => {
    expect(trainingDefectState(r('defect', 'test', true))).toBe('candidate');
    expect(trainingDefectState(r('good', 'test', false, 'defect'))).toBe('candidate');
    expect(trainingDefectTag(r('defect', 'test', true))).toBeNull();
  });

  it('leaves good parts and false alarms alone', () => {
    expect(trainingDefectState(r('good', 'train', false))).toBe('none');
    expect(trainingDefectState(r('good', 'test', true, 'false_alarm'))).toBe('none');
    expect(trainingDefectTag(r('good', 'train', false))).toBeNull();
  });
});
