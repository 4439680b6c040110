/**
 * Where a reviewed result's image stands as a training defect (issue 23): a labelled defect of split train with a
 * defect mask is one CL-Flow learns from (app/train/real-defects.ts); one without a mask is refused by training.
 * Train and held-out stay explicit: Review labels a result whose image is a training defect, so nobody reads its
 * score as an evaluation. Pure (no client).
 */

export interface TrainingDefectFacts {
  readonly label: string;
  readonly split: string;
  readonly hasMask: boolean;
  /** The reviewer's decision on the result, if any. */
  readonly review: string | null;
}

/**
 * 'training': a training defect; 'unmasked': a labelled train defect without a mask (training refuses it);
 * 'candidate': a confirmed defect (labelled, or decided Defect) not yet used for training; 'none': not a defect.
 */
export type TrainingDefectState = 'training' | 'unmasked' | 'candidate' | 'none';

export function trainingDefectState(r: TrainingDefectFacts): TrainingDefectState {
  if (r.label === 'defect' && r.split === 'train') return r.hasMask ? 'training' : 'unmasked';
  return r.label === 'defect' || r.review === 'defect' ? 'candidate' : 'none';
}

/** The results list's tag for an image trained on as a defect; null for a held-out or not-defect image. */
export function trainingDefectTag(r: TrainingDefectFacts): string | null {
  const state = trainingDefectState(r);
  return state === 'training' ? 'training defect' : state === 'unmasked' ? 'train defect, no mask' : null;
}
