/**
 * A file the user gave us that cannot be used is the user's to fix: it must reach them as an AppError whose code says
 * so (invalid_file, invalid_request, not_found) and whose message names the file and the reason, never as
 * `internal` (what every transport reports a bare Error as; app/core/errors.ts). Real files on disk, no mocks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError, toErrorBody } from '../../app/core/errors.js';
import { decodeBmp } from '../../app/dataset/bmp.js';
import { inspectImage, RejectedFile } from '../../app/dataset/read-image.js';
import type { BackboneInfo } from '../../app/core/backbone.js';
import { readBackboneBytes } from '../../app/model/backbone/model-file.js';
import { readMapF16, writeMapF16 } from '../../app/model/maps.js';
import { readMetadata } from '../../app/model/metadata.js';
import { readCheckpoint, writeCheckpoint } from '../../app/train/checkpoint.js';
import { listImages, refuseOverwritingInputs } from '../../app/infer/standalone-files.js';
import { decodeImage, decodeMask, loadTextures } from '../../app/synthesis/io.js';
import { synthesize } from '../../app/synthesis/synthesize.js';
import { builtinPreset } from '../../app/synthesis/presets.js';
import { updateImages } from '../../app/store/image-edits.js';
import { queryImages } from '../../app/store/images.js';
import { createProject } from '../../app/store/project.js';
import onnxProto from 'onnx-proto';
import sharp from 'sharp';
import { tempDir } from '../helpers.js';

const tmp = tempDir('flowspect-user-errors-');
afterAll(tmp.cleanup);

/** What the transports would send for the error `f` throws. */
function bodyOf(f: () => unknown): ReturnType<typeof toErrorBody> {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return toErrorBody(err);
  }
  throw new Error('expected a throw');
}

async function bodyOfAsync(f: () => Promise<unknown>): Promise<ReturnType<typeof toErrorBody>> {
  try {
    await f();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return toErrorBody(err);
  }
  throw new Error('expected a rejection');
}

/** A valid 24-bit bottom-up BMP, `w`×`h`. */
function bmp(w: number, h: number): Buffer {
  const stride = Math.ceil((w * 24) / 32) * 4;
  const buf = Buffer.alloc(54 + stride * h, 0x40);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(w, 18);
  buf.writeInt32LE(h, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(0, 30);
  return buf;
}

describe('bad image files', () => {
  it('a truncated BMP is invalid_file with the reason, from the decoder and from the image reader', async () => {
    const whole = bmp(16, 16);
    expect(decodeBmp(whole, 1e6).width).toBe(16);
    expect(bodyOf(() => decodeBmp(whole.subarray(0, 30), 1e6))).toEqual({ code: 'invalid_file', message: 'truncated BMP header' });
    expect(bodyOf(() => decodeBmp(whole.subarray(0, 200), 1e6))).toEqual({ code: 'invalid_file', message: 'truncated BMP pixel data' });

    const file = path.join(tmp.dir, 'cut.bmp');
    fs.writeFileSync(file, whole.subarray(0, 200));
    const err = await inspectImage(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RejectedFile);
    expect(toErrorBody(err)).toEqual({ code: 'invalid_file', message: 'cannot decode BMP: truncated BMP pixel data' });
  });

  it('a file that is not an image at all is invalid_file too', async () => {
    const file = path.join(tmp.dir, 'notes.png');
    fs.writeFileSync(file, 'this is not an image\n');
    const body = await bodyOfAsync(() => inspectImage(file));
    expect(body.code).toBe('invalid_file');
    expect(body.message).toMatch(/not an image/);
  });
});

describe('a corrupt training checkpoint', () => {
  const file = path.join(tmp.dir, 'last.ckpt');
  const write = () => writeCheckpoint(file, { step: 3 }, new Map([['w', { shape: [4], data: Float32Array.from([1, 2, 3, 4]) }]]));

  it('reads back when whole', () => {
    write();
    expect(readCheckpoint<{ step: number }>(file).state.step).toBe(3);
  });

  const cases: [string, (whole: Buffer) => Buffer | null, RegExp][] = [
    ['missing', () => null, /cannot read \(ENOENT\)/],
    ['not a checkpoint', () => Buffer.from('PK\u0003\u0004 a zip file, say'), /not a Flowspect checkpoint/],
    ['cut inside the header', (whole) => whole.subarray(0, 20), /truncated header/],
    ['cut inside a tensor', (whole) => whole.subarray(0, whole.length - 5), /truncated at tensor w/],
    ['with bytes appended', (whole) => Buffer.concat([whole, Buffer.alloc(3)]), /3 trailing bytes/],
    ['with a scrambled header', (whole) => Buffer.concat([whole.subarray(0, 12), Buffer.alloc(whole.readUInt32LE(8), 0x7b), whole.subarray(12 + whole.readUInt32LE(8))]), /header is not valid JSON/],
    [
      'with a header that is JSON but no tensor table',
      (whole) => {
        const header = Buffer.from(JSON.stringify({ state: {} }), 'utf8');
        const len = Buffer.alloc(4);
        len.writeUInt32LE(header.length);
        return Buffer.concat([whole.subarray(0, 8), len, header]);
      },
      /header has no valid tensor table/,
    ],
  ];
  for (const [what, damage, reason] of cases) {
    it(`${what}: invalid_file naming the file and the reason`, () => {
      write();
      const damaged = damage(fs.readFileSync(file));
      if (damaged) fs.writeFileSync(file, damaged);
      else fs.rmSync(file);
      const body = bodyOf(() => readCheckpoint(file));
      expect(body.code).toBe('invalid_file');
      expect(body.message).toContain(`checkpoint ${file}: `);
      expect(body.message).toMatch(reason);
      expect(body.details).toEqual({ file });
    });
  }
});

describe('bad model and map files', () => {
  it('an ONNX model without Flowspect metadata, or with broken metadata, is invalid_file naming it', () => {
    const plain = onnxProto.onnx.ModelProto.create({ irVersion: 8 });
    expect(bodyOf(() => readMetadata(plain, 'other.onnx'))).toEqual({ code: 'invalid_file', message: 'other.onnx: not a Flowspect model (no "flowspect" metadata_props entry)' });
    const broken = onnxProto.onnx.ModelProto.create({ metadataProps: [{ key: 'flowspect', value: '{"version":' }] });
    const body = bodyOf(() => readMetadata(broken, 'broken.onnx'));
    expect(body.code).toBe('invalid_file');
    expect(body.message).toMatch(/^broken\.onnx: metadata "flowspect" is not valid JSON/);
  });

  it('a backbone file changed since it was registered is invalid_file naming the file', () => {
    const file = path.join(tmp.dir, 'backbone.onnx');
    fs.writeFileSync(file, 'not the registered bytes');
    const info = { name: 'mine', path: file, sha256: '0'.repeat(64) } as BackboneInfo;
    const body = bodyOf(() => readBackboneBytes(info));
    expect(body.code).toBe('invalid_file');
    expect(body.message).toContain(`backbone mine: ${file} has sha256 `);
    expect(body.message).toMatch(/expected 0{64}; the file was modified$/);
    expect(body.details).toEqual({ file });
  });

  it('a cut or foreign .f16 map is invalid_file naming the file', () => {
    const file = path.join(tmp.dir, 'map.f16');
    writeMapF16(file, new Float32Array(8 * 8).fill(0.5), 8, 8);
    expect(readMapF16(file).width).toBe(8);
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 40));
    expect(bodyOf(() => readMapF16(file))).toEqual({ code: 'invalid_file', message: `${file}: truncated map (8×8)`, details: { file } });
    fs.writeFileSync(file, 'GIF89a and more bytes');
    expect(bodyOf(() => readMapF16(file))).toEqual({ code: 'invalid_file', message: `${file}: not a Flowspect map file`, details: { file } });
  });
});

describe('bad inputs to flowspect infer and to synthesis', () => {
  it('a missing --images folder is not_found, an --out onto an input image invalid_request', () => {
    const missing = path.join(tmp.dir, 'no-such-folder');
    expect(bodyOf(() => listImages(missing))).toEqual({ code: 'not_found', message: `--images ${missing}: cannot read the folder (ENOENT)` });
    const images = path.join(tmp.dir, 'images');
    fs.mkdirSync(images);
    const part = path.join(images, 'part.png');
    fs.writeFileSync(part, 'x');
    const body = bodyOf(() => refuseOverwritingInputs([part], part));
    expect(body.code).toBe('invalid_request');
    expect(body.message).toMatch(/is one of the images being scored/);
  });

  it('a synthesis image, mask or texture folder that cannot be used is invalid_file naming it', async () => {
    const notImage = path.join(tmp.dir, 'source.png');
    fs.writeFileSync(notImage, 'plain text');
    const image = await bodyOfAsync(() => decodeImage(notImage));
    expect(image.code).toBe('invalid_file');
    expect(image.message).toMatch(new RegExp(`^${notImage.replace(/[.]/g, '\\.')}: cannot be read as an image`));

    const mask = path.join(tmp.dir, 'mask.png');
    fs.writeFileSync(mask, await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).greyscale().png().toBuffer());
    expect(await bodyOfAsync(() => decodeMask(mask, 16, 16))).toEqual({ code: 'invalid_file', message: `${mask}: mask is 8×8, image is 16×16` });

    const empty = path.join(tmp.dir, 'textures');
    fs.mkdirSync(empty);
    expect((await bodyOfAsync(() => loadTextures(empty))).code).toBe('invalid_file');
    expect((await bodyOfAsync(() => loadTextures(path.join(tmp.dir, 'no-textures')))).message).toMatch(/no-textures': cannot be read \(ENOENT\)/);
  });
});

describe('requests that name what is not there, or ask what cannot be done', () => {
  it('an edit of an image id the project does not hold is not_found; sorting by score without a model invalid_request', () => {
    const project = createProject(path.join(tmp.dir, 'project'));
    try {
      expect(bodyOf(() => updateImages(project.db, [424242], { label: 'good' }, 'label'))).toEqual({ code: 'not_found', message: 'image 424242 does not exist' });
      expect(bodyOf(() => queryImages(project.db, { sort: 'score' })).code).toBe('invalid_request');
    } finally {
      project.close();
    }
  });

  it("synthesis with placement 'supplied' and no foreground mask is invalid_request", () => {
    const image = { width: 32, height: 32, channels: 3 as const, bitDepth: 8 as const, data: new Uint8Array(32 * 32 * 3).fill(90) };
    const params = { ...builtinPreset('scratch'), placement: { ...builtinPreset('scratch').placement, foreground: 'supplied' as const } };
    expect(bodyOf(() => synthesize(image, params, 1))).toEqual({ code: 'invalid_request', message: "placement.foreground is 'supplied' but no foreground mask was given" });
  });
});
