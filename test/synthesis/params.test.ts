import { describe, expect, it } from 'vitest';
import { demoImage } from '../../app/synthesis/demo-image.js';
import { InvalidParamsError, parseParams } from '../../app/synthesis/params.js';
import { BUILTIN_PRESETS, builtinPreset, PRESET_NAMES } from '../../app/synthesis/presets.js';
import { synthesize } from '../../app/synthesis/synthesize.js';

const problemsOf = (input: unknown): string[] => {
  try {
    parseParams(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidParamsError);
    const { problems } = err as InvalidParamsError;
    // Every transport shows it as it is: an invalid_request naming each problem.
    expect((err as InvalidParamsError).toBody()).toEqual({ code: 'invalid_request', message: `invalid synthesis parameters: ${problems.join('; ')}`, details: { problems } });
    return [...problems];
  }
  throw new Error('expected the parameters to be rejected');
};

const withChange = (edit: (p: any) => void): unknown => {
  const p = structuredClone(BUILTIN_PRESETS.scratch) as any;
  edit(p);
  return p;
};

describe('synthesis parameters', () => {
  it('accepts every built-in preset', () => {
    for (const name of PRESET_NAMES) expect(() => builtinPreset(name)).not.toThrow();
    expect(PRESET_NAMES).toEqual(['scratch', 'crack', 'stain', 'hole', 'foreign-particle', 'missing-material', 'cutpaste', 'subtle', 'mixed']);
  });

  it('rejects unknown keys, naming where they are', () => {
    expect(problemsOf(withChange((p) => (p.colour = 'red')))).toEqual(["params: unknown key 'colour'"]);
    expect(problemsOf(withChange((p) => (p.defects[1].shape.thickness = 2)))).toEqual(["params.defects[1].shape: unknown key 'thickness'"]);
  });

  it('rejects out-of-range values with the field and the allowed range', () => {
    const [msg] = problemsOf(withChange((p) => (p.defects[0].shape.width = [0.01, 0.2])));
    expect(msg).toBe('params.defects[0].shape.width[1] must be a number in [0.0005, 0.05] (got 0.2)');
    const [m2] = problemsOf(withChange((p) => (p.placement.borderMargin = -1)));
    expect(m2).toBe('params.placement.borderMargin must be a number in [0, 0.25] (got -1)');
    const [m3] = problemsOf(withChange((p) => (p.count = [3, 1])));
    expect(m3).toMatch(/^params\.count min must not exceed max \(allowed range \[1, 16\]\)/);
    const [m4] = problemsOf(withChange((p) => (p.count = [1.5, 2])));
    expect(m4).toMatch(/^params\.count\[0\] must be an integer in \[1, 16\]/);
    const [m5] = problemsOf(withChange((p) => (p.defects[0].blend.mode = 'overlay')));
    expect(m5).toBe(`params.defects[0].blend.mode must be 'normal', 'multiply' or 'screen' (got "overlay")`);
    const [m6] = problemsOf(withChange((p) => (p.defects[0].shape.kind = 'star')));
    expect(m6).toMatch(/^params\.defects\[0\]\.shape\.kind .*'perlin'.*'union'/);
    const [m7] = problemsOf(withChange((p) => delete p.defects[0].blend.opacity));
    expect(m7).toMatch(/^params\.defects\[0\]\.blend\.opacity .*\(got missing\)/);
    expect(problemsOf(withChange((p) => (p.defects = [])))[0]).toMatch(/^params\.defects must list 1 to 16 defect kinds/);
    expect(problemsOf('scratch')[0]).toMatch(/^params /);
  });

  it('is what synthesize validates too', () => {
    const img = demoImage(32, 32);
    expect(() => synthesize(img, withChange((p) => (p.defects[0].blend.opacity = [0, 1])), 1)).toThrow(
      /params\.defects\[0\]\.blend\.opacity\[0\] must be a number in \[0\.05, 1\]/,
    );
    expect(() => synthesize({ ...img, channels: 3, data: new Uint8Array(10) }, builtinPreset('scratch'), 1)).toThrow(/data length 10/);
    expect(() => synthesize(img, builtinPreset('scratch'), Number.NaN)).toThrow(/seed must be a finite number/);
  });
});
