/**
 * Confirmed defects of a project as samples for "like these" synthesis (app/synthesis/from-defects.ts): each image
 * with its defect mask (PNG or polygons), decoded at most `maxSide` pixels on its longer side so a large part stays
 * cheap. Every image must be a labelled defect with a mask; anything else is refused by id.
 */
import sharp from 'sharp';
import { AppError } from '../core/errors.js';
import { openImage } from '../core/image-decode.js';
import { type DefectMeasurement, type DefectSample, measureDefect, presetFromMeasurements } from '../synthesis/from-defects.js';
import { createPreset, type PresetRecord } from '../store/presets.js';
import type { Project } from '../store/project.js';
import { readBoundedFile } from '../core/bounded-read.js';
import { imageFilePath } from '../store/images.js';
import { defectMaskSource, readConfirmedDefects } from './confirmed-defects.js';

export async function loadDefectSamples(project: Project, imageIds: readonly number[], maxSide = 512): Promise<DefectSample[]> {
  const samples: DefectSample[] = [];
  for (const r of readConfirmedDefects(project, imageIds)) {
    const scale = Math.min(1, maxSide / Math.max(r.width, r.height));
    const width = Math.max(1, Math.round(r.width * scale));
    const height = Math.max(1, Math.round(r.height * scale));
    const rgb = await openImage(await readBoundedFile(imageFilePath(project, r), 'image')).flatten({ background: '#000000' }).toColourspace('srgb').resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const grey = await sharp(await defectMaskSource(project, r)).greyscale().resize(width, height, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer();
    const mask = Uint8Array.from(grey, (v) => (v >= 128 ? 1 : 0));
    if (!mask.some((v) => v)) throw new AppError('invalid_request', `image ${r.id}: its defect mask is empty at ${width}×${height}`);
    samples.push({ width, height, rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length), mask });
  }
  return samples;
}

/**
 * "Like these": measures confirmed masked defects and stores a synthesis preset covering them (one home for what
 * synthesis.presetFromDefects and the photo suite's labelled runs do). Returns the preset and each measurement.
 */
export async function presetFromDefectImages(project: Project, name: string, imageIds: readonly number[]): Promise<{ preset: PresetRecord; measured: DefectMeasurement[] }> {
  const measured = (await loadDefectSamples(project, imageIds)).map(measureDefect);
  return { preset: createPreset(project.db, name, presetFromMeasurements(measured)), measured };
}
