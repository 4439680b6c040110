import sharp from 'sharp';
import { readMapF16, writeMapF16 } from '../../app/model/maps.js';
import { createProject, type Project } from '../../app/store/project.js';
import { mulberry32 } from '../../app/core/mulberry32.js';

/**
 * A realistic small project for report tests, written with raw inserts into the real schema (the tests own no
 * repository but reports'): one dataset of textured parts, defect masks, a trained model row, per-image results with
 * float32 anomaly maps, reviewer decisions and training events. Deterministic for a given seed.
 */
export interface FixtureOptions {
  readonly goods?: number;
  readonly defects?: number;
  readonly trainGoods?: number;
  readonly size?: number;
  readonly mapSize?: number;
  readonly seed?: number;
  readonly name?: string;
}

export interface Fixture {
  readonly project: Project;
  readonly modelId: number;
  readonly datasetId: number;
}

export async function createFixtureProject(dir: string, options: FixtureOptions = {}): Promise<Fixture> {
  const goods = options.goods ?? 12;
  const defects = options.defects ?? 8;
  const trainGoods = options.trainGoods ?? 4;
  const size = options.size ?? 64;
  const mapSize = options.mapSize ?? 32;
  const rand = mulberry32(options.seed ?? 7);
  const project = createProject(dir, options.name ?? 'Housing line 3');
  const db = project.db;
  const now = new Date().toISOString();
  const datasetId = Number(
    db.prepare("INSERT INTO datasets (name, category, source_format, created_at) VALUES ('brushed-metal', 'brushed_metal', 'demo', ?)").run(now)
      .lastInsertRowid,
  );
  const modelId = Number(
    db
      .prepare(
        `INSERT INTO models (name, dataset_id, status, objective, backbone, config_json, param_count, metrics_json, thresholds_json,
           score_norm_json, train_data_hash, training_seconds, execution_provider, created_at, updated_at)
         VALUES ('clflow-metal', ?, 'ready', 'clflow', 'mobilenetv2', ?, 1234567, ?, '{}', ?, 'abc123', 754.2, 'cpu', ?, ?)`,
      )
      .run(
        datasetId,
        JSON.stringify({ imageSize: 256, batchSize: 8, epochs: 20, lr: 0.001, weightDecay: 1e-5, lambda: { margin: 1, contrast: 0.5 }, seed: 1 }),
        JSON.stringify({ imageAuroc: 0.97 }),
        JSON.stringify({ kind: 'minmax', min: -1, max: 0 }),
        now,
        now,
      ).lastInsertRowid,
  );
  const insImage = db.prepare(
    `INSERT INTO images (dataset_id, path, storage, sha256, width, height, channels, bit_depth, format, label, split, defect_type, created_at)
     VALUES (?, ?, 'copy', ?, ?, ?, 3, 8, 'png', ?, ?, ?, ?)`,
  );
  const insMask = db.prepare("INSERT INTO masks (image_id, kind, format, path, updated_at) VALUES (?, 'defect', 'png', ?, ?)");
  const insResult = db.prepare(
    'INSERT INTO results (image_id, model_id, score, map_path, verdict, execution_provider, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insReview = db.prepare('INSERT INTO reviews (result_id, decision, note, decided_at) VALUES (?, ?, ?, ?)');
  const insEvent = db.prepare('INSERT INTO training_events (model_id, step, epoch, kind, data_json, created_at) VALUES (?, ?, ?, ?, ?, ?)');

  const total = trainGoods + goods + defects;
  const rows: Array<{ id: number; resultId: number; score: number; label: string }> = [];
  for (let k = 0; k < total; k++) {
    const isDefect = k >= trainGoods + goods;
    const split = k < trainGoods ? 'train' : 'test';
    const px = Buffer.alloc(size * size * 3);
    const phase = rand() * 6;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const v = 120 + 30 * Math.sin(x * 0.7 + phase) + 20 * (rand() - 0.5);
        for (let c = 0; c < 3; c++) px[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, v + c * 6));
      }
    const cx = Math.floor(size * (0.25 + 0.5 * rand()));
    const cy = Math.floor(size * (0.25 + 0.5 * rand()));
    const r = Math.max(3, Math.floor(size * 0.08));
    const mask = Buffer.alloc(size * size);
    if (isDefect) {
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++)
          if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) {
            mask[y * size + x] = 255;
            for (let c = 0; c < 3; c++) px[(y * size + x) * 3 + c] = 35;
          }
    }
    const rel = `images/part-${String(k).padStart(3, '0')}.png`;
    await sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toFile(project.path(rel));
    const imageId = Number(
      insImage.run(datasetId, rel, `sha-${k.toString(16).padStart(8, '0')}`, size, size, isDefect ? 'defect' : 'good', split, isDefect ? 'dent' : null, now)
        .lastInsertRowid,
    );
    if (isDefect) {
      const mrel = `masks/part-${k}.png`;
      await sharp(mask, { raw: { width: size, height: size, channels: 1 } }).png().toFile(project.path(mrel));
      insMask.run(imageId, mrel, now);
    }
    // Anomaly map: faint noise everywhere, a bump over the defect (and, for some good parts, a weaker false bump).
    const map = new Float32Array(mapSize * mapSize);
    const s = mapSize / size;
    const fx = isDefect ? cx * s : mapSize * rand();
    const fy = isDefect ? cy * s : mapSize * rand();
    const amp = isDefect ? 0.55 + 0.4 * rand() : rand() < 0.35 ? 0.3 + 0.4 * rand() : 0.1 * rand();
    for (let y = 0; y < mapSize; y++)
      for (let x = 0; x < mapSize; x++) {
        map[y * mapSize + x] = -1 + 0.08 * rand() + amp * Math.exp(-((x - fx) ** 2 + (y - fy) ** 2) / (2 * (r * s) ** 2));
      }
    // The inference job's exact map format (float16 with a small header), so the score is what the map's max reads back as.
    const mapRel = `maps/model-${modelId}/${imageId}.f16`;
    writeMapF16(project.path(mapRel), map, mapSize, mapSize);
    const half = readMapF16(project.path(mapRel)).map;
    let score = -Infinity;
    for (const v of half) score = Math.max(score, v);
    const resultId = Number(insResult.run(imageId, modelId, score, mapRel, null, 'cpu', now).lastInsertRowid);
    rows.push({ id: imageId, resultId, score, label: isDefect ? 'defect' : 'good' });
  }
  // Reviewer decisions on the three highest-scoring parts.
  rows.sort((a, b) => b.score - a.score);
  rows.slice(0, 3).forEach((r, i) =>
    insReview.run(r.resultId, r.label === 'defect' ? 'defect' : 'false_alarm', i === 0 ? 'dent near the edge, "deep" — scrap, <b>not</b> rework' : '', now),
  );
  for (let step = 0; step <= 200; step += 10) {
    insEvent.run(modelId, step, Math.floor(step / 20), 'train', JSON.stringify({ loss: 2 - 3 * (1 - Math.exp(-step / 60)) + 0.05 * rand() }), now);
    if (step % 40 === 0) insEvent.run(modelId, step, Math.floor(step / 20), 'val', JSON.stringify({ imageAuroc: 0.7 + 0.28 * (1 - Math.exp(-step / 80)) }), now);
  }
  return { project, modelId, datasetId };
}
