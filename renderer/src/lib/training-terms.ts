/**
 * The training objective's terms in plain words: a quality engineer tunes "how much defects must stand out", not
 * "margin". The term's own name stays as secondary text (it is what the docs, the CLI's --config and the loss
 * chart's history use), so both vocabularies meet on screen.
 */
import type { DEFAULT_OBJECTIVE_WEIGHTS } from '../../../app/model/flow/default-weights';

export type WeightName = keyof typeof DEFAULT_OBJECTIVE_WEIGHTS;

export interface TermWords {
  /** What the term asks of the model, in a few plain words. */
  readonly label: string;
  /** A few words for the loss chart's legend. */
  readonly short: string;
  /** The term's name in settings, docs and logs. */
  readonly term: string;
  /** One or two sentences: what it does and when to change it. */
  readonly help: string;
}

export const WEIGHT_WORDS: Readonly<Record<WeightName, TermWords>> = {
  unmasked: {
    label: 'Normal texture around a defect stays normal',
    short: 'normal around defects',
    term: 'unmasked',
    help: 'On a synthesized defect image, the part outside the defect is still a good part: the model is trained to find it likely (NLL on the unmasked pixels).',
  },
  margin: {
    label: 'Defects score clearly above their clean twin',
    short: 'defect margin',
    term: 'margin',
    help: 'Pushes the score at defect pixels at least a margin above the same pixels of the clean image (a hinge). Off by default: on the demo it made the model fit the synthetic defects at the expense of real ones.',
  },
  contrast: {
    label: 'Defect features move away from the clean twin',
    short: 'defect contrast',
    term: 'contrast',
    help: 'Cosine contrast: what the model computes at a defect differs from what it computes at the same place on the clean image.',
  },
  pull: {
    label: 'Good parts look alike',
    short: 'goods alike',
    term: 'pull',
    help: 'Pulls the summaries of clean images together, so "good" is one compact class.',
  },
  ce: {
    label: 'Tell good from defective images',
    short: 'good vs defective',
    term: 'ce, cross-entropy',
    help: 'A good / defective decision on the whole-image score, clean images against synthesized ones, with label smoothing.',
  },
};

/** Loss terms that are not weights: the headline total and the always-on clean likelihood. */
const OTHER_TERMS: Readonly<Record<string, string>> = {
  total: 'total',
  clean: 'fit good images (clean)',
};

/** The loss chart's label for a term: plain words first, the term's name in brackets. */
export function termLabel(term: string): string {
  if (Object.hasOwn(OTHER_TERMS, term)) return OTHER_TERMS[term]!;
  if (Object.hasOwn(WEIGHT_WORDS, term)) {
    const w = WEIGHT_WORDS[term as WeightName];
    return `${w.short} (${term})`;
  }
  return term;
}
