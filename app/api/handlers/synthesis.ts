import { z } from 'zod';
import { loadDefectCrops } from '../../dataset/defect-crops.js';
import { presetFromDefectImages } from '../../dataset/defect-samples.js';
import type { HandlerContext } from '../../context.js';
import { imageFilePath } from '../../store/images.js';
import type { Project } from '../../store/project.js';
import type { PresetRecord } from '../../store/presets.js';
import { createPreset, deletePreset, getPresetByName, listPresets, readSynthesisSources, updatePreset } from '../../store/presets.js';
import { parseParams, SynthesisParams } from '../../synthesis/params.js';
import type { SynthesisParams as Params } from '../../synthesis/params.js';
import { isPresetName, PRESET_DESCRIPTIONS } from '../../synthesis/presets.js';
import { renderPreviews } from '../../synthesis/preview.js';
import { AppError } from '../../core/errors.js';
import type { HandlerGroup } from '../define.js';
import type { synthesisMethods } from '../methods/synthesis.js';

const toPreset = (p: PresetRecord) => ({
  ...p,
  description: p.builtin && isPresetName(p.name) ? PRESET_DESCRIPTIONS[p.name] : '',
});

function resolveParams(project: Project, preset: string | object): Params {
  if (typeof preset === 'string') {
    const stored = getPresetByName(project.db, preset);
    if (!stored) throw new AppError('not_found', `no synthesis preset named "${preset}" in this project`);
    return stored.params;
  }
  return parseParams(preset);
}

export const synthesisHandlers: HandlerGroup<typeof synthesisMethods, HandlerContext> = {
  'synthesis.listPresets': (_req, { app }) => listPresets(app.project().db).map(toPreset),
  'synthesis.createPreset': (req, { app }) => toPreset(createPreset(app.project().db, req.name, req.params)),
  'synthesis.updatePreset': (req, { app }) => toPreset(updatePreset(app.project().db, req.id, { name: req.name, params: req.params })),
  'synthesis.deletePreset': (req, { app }) => {
    deletePreset(app.project().db, req.id);
    return { ok: true as const };
  },
  'synthesis.presetFromDefects': async (req, { app }) => {
    const { preset, measured } = await presetFromDefectImages(app.project(), req.name, req.imageIds);
    return { ...toPreset(preset), measured: measured.map((m, i) => ({ imageId: req.imageIds[i]!, ...m })) };
  },
  'synthesis.defectCrops': async (req, { app }) => ({ items: await loadDefectCrops(app.project(), req.imageIds, req.size) }),
  'synthesis.schema': () => z.toJSONSchema(SynthesisParams) as Record<string, unknown>,
  'synthesis.preview': async (req, { app }) => {
    const t0 = performance.now();
    const project = app.project();
    const params = resolveParams(project, req.preset);
    if (params.placement.foreground === 'supplied') {
      throw new AppError('invalid_request', "params.placement.foreground 'supplied' needs a foreground mask per image, which projects do not store: use 'auto' or 'none' here");
    }
    const rows = readSynthesisSources(project.db, req.imageIds);
    const missing = req.imageIds.filter((id) => !rows.some((r) => r.id === id));
    if (missing.length > 0) throw new AppError('not_found', `image${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found`);
    const sources = rows.map((r) => ({
      id: r.id,
      file: imageFilePath(project, r),
      ignoreFiles: [r.ignoreMaskPath, r.datasetIgnoreMaskPath].filter((p): p is string => p !== null).map((p) => project.path(p)),
    }));
    try {
      const items = await renderPreviews(sources, params, req.seed, req.maxSide);
      return { items: items.map(({ id, defects, ...rest }) => ({ imageId: id, ...rest, defects: [...defects] })), seconds: (performance.now() - t0) / 1000 };
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('invalid_file', (err as Error).message);
    }
  },
};
