/**
 * The words a newcomer reads: the synthesis form says what "perlin" and the other shape and content kinds are,
 * the training objective's terms have plain labels (the term's name beside them), and counts agree with their
 * nouns ("1 model", never "1 models" or "model(s)").
 */
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, render } from '@testing-library/svelte';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_OBJECTIVE_WEIGHTS } from '../../app/model/flow/default-weights';
import { Content, Shape, SynthesisParams } from '../../app/synthesis/params';
import { builtinPreset, PRESET_NAMES } from '../../app/synthesis/presets';
import ParamForm from '../../renderer/src/components/ParamForm.svelte';
import { plural } from '../../renderer/src/lib/format';
import type { JsonSchema } from '../../renderer/src/lib/param-form';
import { SYNTHESIS_KIND_WORDS } from '../../renderer/src/lib/synthesis-terms';
import { termLabel, WEIGHT_WORDS } from '../../renderer/src/lib/training-terms';

afterEach(() => cleanup());

const schema = z.toJSONSchema(SynthesisParams, { unrepresentable: 'any' }) as JsonSchema;

describe('synthesis kinds in plain words', () => {
  it('the stain preset’s form explains its perlin shape beside the name', () => {
    const { container } = render(ParamForm, { schema, value: builtinPreset('stain'), onchange: () => {}, explain: SYNTHESIS_KIND_WORDS });
    const field = [...container.querySelectorAll('.field')].find((f) => f.textContent?.includes('perlin'))!;
    expect(field.textContent).toMatch(/perlin\s*— an irregular blob: Perlin noise \(a smooth random pattern\)/);
  });

  it('has words for every shape kind and content source the schema knows, and every built-in preset uses only those', () => {
    const kinds = Shape.options.map((o) => o.shape.kind.value);
    const sources = Content.options.map((o) => o.shape.source.value);
    for (const k of [...kinds, ...sources]) expect(SYNTHESIS_KIND_WORDS[k], k).toBeTruthy();
    for (const name of PRESET_NAMES) {
      const used = JSON.stringify(builtinPreset(name)).match(/"(?:kind|source)":"([a-z]+)"/g) ?? [];
      for (const u of used) expect(SYNTHESIS_KIND_WORDS[u.split(':')[1]!.replace(/"/g, '')], `${name}: ${u}`).toBeTruthy();
    }
  });
});

describe('training terms in plain words', () => {
  it('every objective weight has a plain label, its term and a help sentence', () => {
    for (const key of Object.keys(DEFAULT_OBJECTIVE_WEIGHTS) as (keyof typeof DEFAULT_OBJECTIVE_WEIGHTS)[]) {
      const w = WEIGHT_WORDS[key];
      expect(w.label, key).not.toMatch(new RegExp(`\\b${key}\\b`, 'i'));
      expect(w.term.startsWith(key)).toBe(true);
      expect(w.help.length).toBeGreaterThan(30);
    }
  });

  it('the loss chart names terms in words, with the term in brackets', () => {
    expect(termLabel('unmasked')).toBe('normal around defects (unmasked)');
    expect(termLabel('ce')).toBe('good vs defective (ce)');
    expect(termLabel('clean')).toBe('fit good images (clean)');
    expect(termLabel('total')).toBe('total');
  });
});

describe('counts agree with their nouns', () => {
  it('plural() says 1 model, 0 models, 2 models', () => {
    expect([plural(1, 'model'), plural(0, 'model'), plural(2, 'model'), plural(3, 'category', 'categories')]).toEqual(['1 model', '0 models', '2 models', '3 categories']);
  });

  it('no renderer text writes a count as "noun(s)"', () => {
    const src = path.join(process.cwd(), 'renderer/src');
    const hits: string[] = [];
    for (const f of fs.readdirSync(src, { recursive: true }) as string[]) {
      if (!/\.(svelte|ts)$/.test(f)) continue;
      fs.readFileSync(path.join(src, f), 'utf8').split('\n').forEach((line, i) => {
        // "noun(s)" followed by a word or the end of a string; a call such as f(s) is followed by code.
        if (/[a-z]\(s\)(?:\s+[a-z(]|[`'"])/i.test(line)) hits.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(hits).toEqual([]);
  });
});
