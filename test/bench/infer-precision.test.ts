// `bench infer --precision`: the one flag of the inference benchmark that takes a value is checked before any work.
import { describe, expect, it } from 'vitest';
import { precisionArg } from '../../bench/infer.js';

describe('bench infer --precision', () => {
  it('defaults to fp32 and takes int8', () => {
    expect(precisionArg([])).toBe('fp32');
    expect(precisionArg(['--precision', 'int8', '--json'])).toBe('int8');
  });

  it('refuses anything else, naming the allowed values', () => {
    expect(() => precisionArg(['--precision', 'fp16'])).toThrow('bench infer: --precision must be one of fp32, int8, got "fp16"');
    expect(() => precisionArg(['--precision'])).toThrow('got nothing');
  });
});
