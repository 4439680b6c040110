/**
 * The fault corpus: bad files and models of every kind the app reads from outside, made at test time, each with the
 * entry point that must refuse it (import into a real project, mask set, backbone import, infer on a model, in-app
 * scoring and export, CSV read, map read) and the reason the refusal must give. corpus.test.ts runs them.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { dispatch } from '../../app/api/dispatch.js';
import type { AppContext } from '../../app/context.js';
import { toErrorBody } from '../../app/core/errors.js';
import { importDataset } from '../../app/dataset/import.js';
import { exportModel } from '../../app/infer/export.js';
import { runInference } from '../../app/infer/run.js';
import { inferFolder } from '../../app/infer/standalone.js';
import { importBackbone } from '../../app/model/backbone/project-backbones.js';
import { readAnomalyMap } from '../../app/model/map-files.js';
import { withoutIntegrity } from '../../app/model/integrity-record.js';
import type { Project } from '../../app/store/project.js';
import { mulberry32 } from '../../app/core/mulberry32.js';
import { corruptJpeg, jpeg, png, pngClaiming } from './images.js';
import { fifo, linkTo, sparse } from './special-files.js';
import { editInPlace, overwriteMiddle, withChangedMetadata, withRecord } from './tamper.js';

export interface FaultCase {
  readonly kind: string;
  readonly name: string;
  /** The file (or API input) the refusal must name. */
  readonly file: string;
  readonly reason: RegExp;
  /** Environment set while the case runs (a lowered size limit). */
  readonly env?: Readonly<Record<string, string>>;
  /** Resolves with the refusal's message, or null when the entry point accepted the input. */
  readonly attempt: () => Promise<string | null>;
  /** Puts the fault in place inside the project (before the project is snapshotted) and takes it away after. */
  readonly inject?: () => void;
  readonly restore?: () => void;
}

export interface CorpusContext {
  readonly app: AppContext;
  readonly project: Project;
  readonly dir: string;
  /** A sealed exported model, a trainer-written (hash-only) one, and a valid non-Flowspect ONNX (a backbone). */
  readonly exported: Uint8Array;
  readonly trained: Uint8Array;
  readonly backbone: Uint8Array;
  readonly twoInputs: Uint8Array;
  /** A ready model of the project, its dataset and a 64×64 image of it. */
  readonly modelId: number;
  readonly datasetId: number;
  readonly imageId: number;
  /** A folder with one image, for standalone scoring. */
  readonly images: string;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Refusals that would reach the user with the code `internal` (a bare Error; app/core/errors.ts), as
 * `code: message`: a bad file is the user's to fix, so the corpus test expects none.
 */
export const internalRefusals: string[] = [];

/** null when `p` fulfils (accepted), else the error's message (noting it when its code would be `internal`). */
async function refused(p: Promise<unknown>): Promise<string | null> {
  return p.then(
    () => null,
    (err) => {
      const body = toErrorBody(err);
      if (body.code === 'internal') internalRefusals.push(`${body.code}: ${body.message}`);
      return message(err);
    },
  );
}

function put(file: string, data: Buffer | Uint8Array | string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
}

let serial = 0;
const fresh = (ctx: CorpusContext, what: string): string => path.join(ctx.dir, `${what}-${++serial}`);

/** Import of a folder holding one bad file: refused when it is listed as failed and nothing was imported. */
function importCase(ctx: CorpusContext, name: string, fileName: string, make: (file: string) => void | Promise<void>, reason: RegExp, env?: Record<string, string>): FaultCase {
  // Every case folder is called `parts`, the baseline dataset's name: a refused file must leave that dataset as it was.
  const root = path.join(fresh(ctx, 'import'), 'parts');
  const file = path.join(root, 'good', fileName);
  return {
    kind: 'image import',
    name,
    file,
    reason,
    env,
    attempt: async () => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await make(file);
      const r = await importDataset(ctx.project, { source: root, threads: 1 });
      const f = r.failed.find((p) => p.file === file);
      return r.imported === 0 && f ? `${f.file}: ${f.reason}` : null;
    },
  };
}

export async function imageCases(ctx: CorpusContext): Promise<FaultCase[]> {
  const valid = await png(1);
  const jpg = await jpeg(2);
  const tiff = await sharp(await png(3)).tiff().toBuffer();
  const rand = mulberry32(9);
  const noise = await sharp(Buffer.from(Array.from({ length: 128 * 128 * 3 }, () => Math.floor(256 * rand()))), { raw: { width: 128, height: 128, channels: 3 } }).png().toBuffer();
  const badCrc = Buffer.from(valid);
  badCrc.writeUInt32BE(0, 29);
  const corrupt = /truncated or corrupt|cannot decode|not an image/;
  return [
    importCase(ctx, 'zero-byte PNG', 'zero.png', (f) => void put(f, ''), /empty file \(0 bytes\)/),
    importCase(ctx, 'truncated PNG', 'truncated.png', (f) => void put(f, valid.subarray(0, valid.length >> 1)), corrupt),
    importCase(ctx, 'garbage PNG', 'garbage.png', (f) => void put(f, Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 97 + 13) & 0xff))), /not an image/),
    importCase(ctx, 'PNG with a broken header CRC', 'crc.png', (f) => void put(f, badCrc), corrupt),
    importCase(ctx, 'truncated JPEG', 'truncated.jpg', (f) => void put(f, jpg.subarray(0, jpg.length >> 1)), /truncated or corrupt|cannot decode/),
    importCase(ctx, 'garbage JPEG (an HTML page)', 'page.jpg', (f) => void put(f, '<!doctype html><p>404</p>'), /not an image/),
    importCase(ctx, 'corrupt JPEG (entropy-coded data)', 'corrupt.jpg', async (f) => void put(f, await corruptJpeg(4)), /Corrupt JPEG data: premature end of data segment/),
    importCase(ctx, 'truncated TIFF', 'truncated.tif', (f) => void put(f, tiff.subarray(0, tiff.length >> 1)), corrupt),
    importCase(ctx, 'PNG decompression bomb (30000×30000 header)', 'bomb.png', async (f) => void put(f, await pngClaiming(30000, 30000)), /larger than the limit of 100000000 pixels \(a decompression bomb\?\)/),
    importCase(ctx, 'wrong extension: a GIF named .png', 'anim.png', async (f) => void put(f, await sharp(valid).gif().toBuffer()), /unsupported format "gif"/),
    importCase(ctx, 'wrong extension: a PDF named .tif', 'scan.tif', (f) => void put(f, '%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n'), /not an image|unsupported format/),
    importCase(ctx, 'FIFO named .png', 'pipe.png', (f) => void fifo(f), /is a named pipe \(FIFO\), not a regular file/),
    importCase(ctx, 'link to /dev/zero named .png', 'zero-link.png', (f) => void linkTo('/dev/zero', f), /is a character device \(a link to \/dev\/zero\), not a regular file/),
    importCase(ctx, '10 GB sparse file named .png', 'sparse.png', (f) => void sparse(f), /file is 10737418240 bytes, over the limit of 268435456 for image files/),
    importCase(ctx, 'image over FLOWSPECT_MAX_FILE_MB_IMAGE', 'large.png', (f) => void put(f, noise), /over the limit of 10485 for image files/, { FLOWSPECT_MAX_FILE_MB_IMAGE: '0.01' }),
  ];
}

/** datasets.setMask through the real dispatcher on a 64×64 image of the project. */
function maskCase(ctx: CorpusContext, name: string, mask: unknown, reason: RegExp): FaultCase {
  return {
    kind: 'mask set',
    name,
    file: 'mask',
    reason,
    attempt: async () => {
      const r = await dispatch('datasets.setMask', { imageId: ctx.imageId, mask }, { app: ctx.app, transport: 'ipc' });
      if (!r.ok && r.error.code === 'internal') internalRefusals.push(`${r.error.code}: ${r.error.message}`);
      return r.ok ? null : r.error.message;
    },
  };
}

export async function maskCases(ctx: CorpusContext): Promise<FaultCase[]> {
  const b64 = (b: Buffer) => b.toString('base64');
  const small = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).png().toBuffer();
  const right = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#fff' } }).png().toBuffer();
  return [
    maskCase(ctx, 'mask of the wrong size', { png: b64(small) }, /mask is 8x8 but its image is 64x64/),
    maskCase(ctx, 'mask that is not an image', { png: b64(Buffer.from('not a mask at all')) }, /mask: .*not an image/),
    maskCase(ctx, 'empty mask', { png: '' }, /invalid request for datasets\.setMask: mask\.png: Too small/),
    maskCase(ctx, 'truncated mask PNG', { png: b64(right.subarray(0, right.length >> 1)) }, /mask: .*(truncated or corrupt|cannot decode)/),
    maskCase(ctx, 'mask decompression bomb (30000×30000 header)', { png: b64(await pngClaiming(30000, 30000)) }, /mask: .*larger than the limit of 100000000 pixels/),
    maskCase(ctx, 'mask polygon outside the image', { polygons: [[[0, 0], [70, 0], [0, 10]]] }, /mask: polygon 0 point 1 \(70, 0\) lies outside the 64x64 image/),
  ];
}

export function backboneCases(ctx: CorpusContext): FaultCase[] {
  const onDisk = (name: string, make: (file: string) => void, reason: RegExp, env?: Record<string, string>, at?: string): FaultCase => {
    const file = at ?? path.join(fresh(ctx, 'backbone'), name);
    return {
      kind: 'backbone import',
      name,
      file,
      reason,
      env,
      attempt: async () => {
        if (!at) fs.mkdirSync(path.dirname(file), { recursive: true });
        make(file);
        return refused(importBackbone(ctx.project, file, { name: `fault${serial}`, dryRunSize: 64 }));
      },
    };
  };
  const bb = Buffer.from(ctx.backbone);
  return [
    onDisk('garbage.onnx', (f) => void put(f, Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 131 + 7) & 0xff))), /garbage\.onnx: (not an ONNX model|the ONNX file is truncated)/),
    onDisk('truncated.onnx', (f) => void put(f, bb.subarray(0, bb.length >> 1)), /truncated\.onnx: (the ONNX file is truncated|not an ONNX model)/),
    onDisk('zero.onnx', (f) => void put(f, ''), /zero\.onnx: empty file \(0 bytes\)/),
    // A fifth into the file: weights of the early stages the taps need (damage in the cut-away head would not matter).
    onDisk('ff-damaged.onnx', (f) => void put(f, overwriteMiddle(bb, 4096, 0xff, 0.2)), /ff-damaged\.onnx: (not an ONNX model|the ONNX file is truncated|.*non-finite|ONNX Runtime cannot load)/),
    onDisk('two-inputs.onnx', (f) => void put(f, ctx.twoInputs), /two-inputs\.onnx: a backbone needs exactly one image input, this model has 2/),
    onDisk('/dev/zero', () => undefined, /^\/dev\/zero: is a character device, not a regular file$/, undefined, '/dev/zero'),
    onDisk('pipe.onnx', (f) => void fifo(f), /pipe\.onnx: is a named pipe \(FIFO\), not a regular file/),
    onDisk('sparse.onnx', (f) => void sparse(f), /sparse\.onnx: file is 10737418240 bytes, over the limit of 1073741824 for backbone files/),
    onDisk('zero-link.onnx', (f) => void linkTo('/dev/zero', f), /zero-link\.onnx: is a character device \(a link to \/dev\/zero\)/),
    onDisk('folder.onnx', (f) => void fs.mkdirSync(f), /folder\.onnx: is a folder/),
    onDisk('large.onnx', (f) => void put(f, bb), /large\.onnx: file is \d+ bytes, over the limit of 10485 for backbone files/, { FLOWSPECT_MAX_FILE_MB_BACKBONE: '0.01' }),
  ];
}

/** Standalone scoring (`flowspect infer`) with a bad model file: refused, and no CSV written. */
export function modelCases(ctx: CorpusContext): FaultCase[] {
  const onDisk = (name: string, make: (file: string) => void, reason: RegExp, env?: Record<string, string>, at?: string): FaultCase => {
    const dir = fresh(ctx, 'model');
    const file = at ?? path.join(dir, name);
    const out = path.join(dir, 'results.csv');
    return {
      kind: 'infer --model',
      name,
      file,
      reason,
      env,
      attempt: async () => {
        fs.mkdirSync(dir, { recursive: true });
        make(file);
        const err = await refused(inferFolder({ model: file, images: ctx.images, out }));
        return fs.existsSync(out) ? null : err;
      },
    };
  };
  const sealed = Buffer.from(ctx.exported);
  const bytes = (b: Uint8Array) => (f: string) => void put(f, b);
  const integrity = /content does not match its integrity hash/;
  return [
    onDisk('garbage.onnx', bytes(Buffer.from(Array.from({ length: 900 }, (_, i) => (i * 193 + 11) & 0xff))), /garbage\.onnx: not a valid ONNX file|garbage\.onnx: has no integrity record/),
    onDisk('truncated.onnx', bytes(sealed.subarray(0, sealed.length >> 1)), /truncated\.onnx: not a valid ONNX file \(protobuf structure broken at byte \d+: field \d+ runs past the end of the file\)/),
    onDisk('ff-damaged.onnx', bytes(overwriteMiddle(sealed)), integrity),
    onDisk('zero.onnx', bytes(Buffer.alloc(0)), /zero\.onnx: empty file \(0 bytes\)/),
    onDisk('legacy.onnx', bytes(withoutIntegrity(sealed)), /legacy\.onnx: has no integrity record .*re-export it from its project/),
    onDisk('project-internal.onnx', bytes(ctx.trained), /project-internal\.onnx: has no reference output/),
    onDisk('wrong-hash.onnx', bytes(withRecord(sealed, (r) => ({ ...r, contentSha256: 'f'.repeat(64) }))), /wrong-hash\.onnx: content does not match its integrity hash \(recorded sha256 ffffffffffffffff…/),
    onDisk('threshold-edited.onnx', bytes(editInPlace(sealed, '"reject":2', '"reject":9')), integrity),
    onDisk('reference-edited.onnx', bytes(withRecord(sealed, (r) => ({ ...r, reference: { ...r.reference!, mapMeans: [r.reference!.mapMeans[0]!, r.reference!.mapMeans[1]! * 1.5] } }))), /does not reproduce its reference output on the known input \(mean map value of image 2/),
    onDisk('wrong-outputs.onnx', bytes(withChangedMetadata(sealed, (m) => ({ ...m, outputs: { ...m.outputs, score: 'verdict' } }))), /wrong-outputs\.onnx: output "verdict" named in its metadata is missing/),
    onDisk('wrong-inputs.onnx', bytes(withChangedMetadata(sealed, (m) => ({ ...m, input: { ...m.input, name: 'pixels' } }))), /wrong-inputs\.onnx: input "pixels" named in its metadata is missing/),
    onDisk('not-flowspect.onnx', bytes(ctx.backbone), /not-flowspect\.onnx: has no integrity record/),
    onDisk('/dev/zero', () => undefined, /^\/dev\/zero: is a character device, not a regular file$/, undefined, '/dev/zero'),
    onDisk('pipe.onnx', (f) => void fifo(f), /pipe\.onnx: is a named pipe \(FIFO\), not a regular file/),
    onDisk('sparse.onnx', (f) => void sparse(f), /sparse\.onnx: file is 10737418240 bytes, over the limit of 1073741824 for model files/),
    onDisk('zero-link.onnx', (f) => void linkTo('/dev/zero', f), /zero-link\.onnx: is a character device \(a link to \/dev\/zero\)/),
    onDisk('folder.onnx', (f) => void fs.mkdirSync(f), /folder\.onnx: is a folder/),
    onDisk('large.onnx', bytes(sealed), /large\.onnx: file is \d+ bytes, over the limit of 524288 for model files/, { FLOWSPECT_MAX_FILE_MB_MODEL: '0.5' }),
  ];
}

/** The project's own model file damaged on disk: in-app scoring and export refuse it, results stay as they were. */
export function inAppCases(ctx: CorpusContext): FaultCase[] {
  const rel = `models/model-${ctx.modelId}.onnx`;
  const file = ctx.project.path(rel);
  let good: Buffer | null = null;
  const damage = (make: () => void) => () => {
    good = fs.readFileSync(file);
    fs.rmSync(file);
    make();
  };
  const restore = () => {
    fs.rmSync(file, { force: true });
    fs.writeFileSync(file, good!);
  };
  const label = new RegExp(`^model ${ctx.modelId} \\(models/model-${ctx.modelId}\\.onnx\\): `);
  const out = path.join(ctx.dir, 'export-of-damaged.onnx');
  const scoring = (name: string, make: () => void, reason: RegExp): FaultCase => ({
    kind: 'in-app model',
    name,
    file: rel,
    reason: new RegExp(label.source + reason.source),
    inject: damage(make),
    restore,
    attempt: () => refused(runInference(ctx.project, { modelId: ctx.modelId, datasetId: ctx.datasetId, maps: 'none' })),
  });
  return [
    scoring('in-app scoring with 4 KiB of 0xFF in the project model', () => fs.writeFileSync(file, overwriteMiddle(good!)), /content does not match its integrity hash/),
    scoring('in-app scoring with the project model replaced by a link to /dev/zero', () => linkTo('/dev/zero', file), /its ONNX file cannot be read \(is a character device/),
    {
      kind: 'in-app model',
      name: 'export of a damaged project model',
      file: rel,
      reason: new RegExp(label.source + 'content does not match its integrity hash'),
      inject: damage(() => fs.writeFileSync(file, overwriteMiddle(good!, 64, 0x00))),
      restore,
      attempt: async () => {
        const err = await refused(exportModel(ctx.project, ctx.modelId, out));
        return fs.existsSync(out) ? null : err;
      },
    },
  ];
}

/** A VisA split CSV that cannot be used: the import stops before any row, naming the CSV. */
export function csvCases(ctx: CorpusContext): FaultCase[] {
  const csvCase = (name: string, make: (file: string) => void, reason: RegExp, env?: Record<string, string>): FaultCase => {
    const root = path.join(fresh(ctx, 'csv'), 'visa');
    const file = path.join(root, 'split_csv', '1cls.csv');
    return {
      kind: 'CSV read',
      name,
      file,
      reason,
      env,
      attempt: async () => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        make(file);
        return refused(importDataset(ctx.project, { source: root, format: 'visa', threads: 1 }));
      },
    };
  };
  const header = 'object,split,label,image,mask\n';
  const rows = Array.from({ length: 400 }, (_, i) => `parts,train,normal,parts/Data/Images/Normal/${String(i).padStart(4, '0')}.JPG,`).join('\n');
  return [
    csvCase('binary CSV', (f) => void put(f, Buffer.concat([Buffer.from(header), Buffer.from([0, 1, 2, 255, 0])])), /1cls\.csv: is binary \(a NUL byte at offset 30\), not a text file/),
    csvCase('CSV with a huge line', (f) => void put(f, header + 'x'.repeat(200_000) + '\n'), /1cls\.csv: line 2 is 200000 characters long, over the limit of 65536/),
    csvCase('CSV with the wrong columns', (f) => void put(f, 'id,file,class\n1,a.png,good\n'), /1cls\.csv: missing column "object" \(found: id, file, class\)/),
    csvCase('CSV that is a FIFO', (f) => void fifo(f), /1cls\.csv: is a named pipe \(FIFO\), not a regular file/),
    csvCase('CSV that is a link to /dev/zero', (f) => void linkTo('/dev/zero', f), /1cls\.csv: is a character device \(a link to \/dev\/zero\)/),
    csvCase('CSV over FLOWSPECT_MAX_FILE_MB_CSV', (f) => void put(f, header + rows), /1cls\.csv: file is \d+ bytes, over the limit of 10485 for csv files/, { FLOWSPECT_MAX_FILE_MB_CSV: '0.01' }),
  ];
}

/** Anomaly maps written by other tools (evaluation, reports). */
export function mapCases(ctx: CorpusContext): FaultCase[] {
  const mapCase = (name: string, fileName: string, make: (file: string) => void, reason: RegExp): FaultCase => {
    const file = path.join(fresh(ctx, 'map'), fileName);
    return {
      kind: 'map read',
      name,
      file,
      reason,
      attempt: async () => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        make(file);
        return refused(readAnomalyMap(file));
      },
    };
  };
  const head = Buffer.alloc(16);
  Buffer.from('FSMAP1\n\0', 'latin1').copy(head); // the .f16 header (app/model/maps.ts), then too few values
  head.writeUInt32LE(64, 8);
  head.writeUInt32LE(64, 12);
  return [
    mapCase('truncated .f16 map', 'map.f16', (f) => void put(f, Buffer.concat([head, Buffer.alloc(100)])), /map\.f16: truncated map \(64×64\)/),
    mapCase('.npy map that is a FIFO', 'map.npy', (f) => void fifo(f), /map\.npy: is a named pipe \(FIFO\), not a regular file/),
    mapCase('.png map that is a link to /dev/zero', 'map.png', (f) => void linkTo('/dev/zero', f), /map\.png: is a character device \(a link to \/dev\/zero\)/),
    mapCase('.png map that is not an image', 'junk.png', (f) => void put(f, 'not a map'), /junk\.png: not an image/),
  ];
}
