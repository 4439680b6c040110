import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { SynthesisParams } from '../../app/synthesis/params';
import { builtinPreset } from '../../app/synthesis/presets';
import { buildForm, getAt, pathKey, setAt, stepFor, validateForm, type JsonSchema } from '../../renderer/src/lib/param-form';

const schema = z.toJSONSchema(SynthesisParams, { unrepresentable: 'any' }) as JsonSchema;

describe('synthesis form generated from the parameter schema', () => {
  const value = builtinPreset('stain');
  const groups = buildForm(schema, value);
  const fields = groups.flatMap((g) => g.fields);

  it('has a field for every leaf with the allowed range of the schema branch in use', () => {
    const area = fields.find((f) => pathKey(f.path) === 'defects.0.shape.area');
    expect(area).toMatchObject({ kind: 'range', min: 0.00005, max: 0.5, integer: false });
    const octaves = fields.find((f) => pathKey(f.path) === 'defects.0.shape.octaves');
    expect(octaves).toMatchObject({ kind: 'number', min: 1, max: 6, integer: true });
    expect(fields.find((f) => pathKey(f.path) === 'defects.0.shape.kind')).toMatchObject({ kind: 'fixed', value: 'perlin' });
    expect(fields.find((f) => pathKey(f.path) === 'defects.0.blend.mode')).toMatchObject({ kind: 'enum', options: ['normal', 'multiply', 'screen'] });
    expect(fields.find((f) => pathKey(f.path) === 'defects.0.blend.poisson')).toMatchObject({ kind: 'boolean' });
    expect(fields.find((f) => pathKey(f.path) === 'count')).toMatchObject({ kind: 'range', min: 1, max: 16, integer: true });
  });

  it('accepts a built-in preset as valid, agreeing with the server schema', () => {
    expect(validateForm(groups, value).size).toBe(0);
    expect(SynthesisParams.safeParse(value).success).toBe(true);
  });

  it('names the field and its range for out-of-range, non-integer and inverted values', () => {
    let bad = setAt(value, ['defects', 0, 'shape', 'octaves'], 9);
    bad = setAt(bad, ['defects', 0, 'shape', 'area'], [0.2, 0.1]);
    bad = setAt(bad, ['count'], [1, 2.5]);
    bad = setAt(bad, ['placement', 'borderMargin'], Number.NaN);
    const errors = validateForm(groups, bad);
    expect(errors.get('defects.0.shape.octaves')).toBe('Defects › #1 › Shape › Octaves must be an integer in [1, 6]');
    expect(errors.get('defects.0.shape.area')).toContain('min must not exceed max');
    expect(errors.get('count')).toContain('[1, 16]');
    expect(errors.get('placement.borderMargin')).toContain('[0, 0.25]');
    // The server rejects the same value.
    expect(SynthesisParams.safeParse(bad).success).toBe(false);
  });

  it('edits by path without mutating the original', () => {
    const next = setAt(value, ['defects', 0, 'blend', 'opacity'], [0.3, 0.4]);
    expect(getAt(next, ['defects', 0, 'blend', 'opacity'])).toEqual([0.3, 0.4]);
    expect(getAt(value, ['defects', 0, 'blend', 'opacity'])).toEqual([0.55, 0.95]);
    expect(next.placement).toBe(value.placement);
  });

  it('steps sliders finely enough for small ranges', () => {
    expect(stepFor(0, 1, false)).toBe(0.001);
    expect(stepFor(0.00005, 0.5, false)).toBe(0.001);
    expect(stepFor(1, 16, true)).toBe(1);
  });
});

describe('slider scales', () => {
  it('log-scales wide ranges so small areas stay reachable, and round-trips', async () => {
    const { sliderToValue, valueToSlider, isLogScale } = await import('../../renderer/src/lib/param-form');
    expect(isLogScale(0.00005, 0.5)).toBe(true);
    expect(isLogScale(-180, 180)).toBe(false);
    expect(sliderToValue(0, 0.00005, 0.5, false)).toBe(0.00005);
    expect(sliderToValue(1000, 0.00005, 0.5, false)).toBe(0.5);
    const v = sliderToValue(valueToSlider(0.0006, 0.00005, 0.5), 0.00005, 0.5, false);
    expect(Math.abs(v - 0.0006) / 0.0006).toBeLessThan(0.01);
    expect(sliderToValue(500, -180, 180, false)).toBe(0);
    expect(sliderToValue(333, 1, 6, true)).toBe(3);
  });
});
