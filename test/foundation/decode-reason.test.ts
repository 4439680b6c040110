/** The reason a part could not be decoded, as the watcher, import and reports show it. */
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeFailureReason, openImage } from '../../app/core/image-decode.js';

async function failureOf(bytes: Buffer): Promise<unknown> {
  try {
    await openImage(bytes).raw().toBuffer();
  } catch (err) {
    return err;
  }
  throw new Error('expected the decode to fail');
}

describe('decodeFailureReason', () => {
  it('calls a cut-off PNG and JPEG truncated or corrupt', async () => {
    const px = Buffer.alloc(96 * 96 * 3, 0);
    for (let i = 0; i < px.length; i++) px[i] = (i * 37) & 255;
    for (const enc of [(s: Sharp) => s.png(), (s: Sharp) => s.jpeg()]) {
      const whole = await enc(sharp(px, { raw: { width: 96, height: 96, channels: 3 } })).toBuffer();
      const reason = decodeFailureReason(await failureOf(whole.subarray(0, Math.floor(whole.length * 0.6))));
      expect(reason).toMatch(/^truncated or corrupt image data: /);
      expect(reason).not.toContain('\n');
    }
  });

  it('names the warning behind libvips’ generic failOn line, and keeps other failures apart', () => {
    const generic = new Error('Warning treated as error due to failOn setting\nVipsJpeg: Premature end of input file');
    expect(decodeFailureReason(generic)).toBe('truncated or corrupt image data: VipsJpeg: Premature end of input file');
    expect(decodeFailureReason(new Error('Warning treated as error due to failOn setting'))).toMatch(/^truncated or corrupt image data: Warning treated/);
    expect(decodeFailureReason(new Error('Input buffer contains unsupported image format'))).toBe('not an image (unrecognised content)');
    expect(decodeFailureReason(new Error('Input image exceeds pixel limit'))).toMatch(/larger than the limit/);
    expect(decodeFailureReason(new Error('something else'))).toBe('cannot decode: something else');
  });
});
