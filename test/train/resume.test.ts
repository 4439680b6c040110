import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProject } from '../../app/store/project.js';
import { listTrainingEvents } from '../../app/store/training-events.js';
import { type Fixture, fabricFixture, TINY } from './fixture.js';

const CLI = fileURLToPath(new URL('../../bin/flowspect.js', import.meta.url));
let fx: Fixture;

beforeAll(async () => {
  fx = await fabricFixture();
  fx.project.close(); // the CLI processes own the project now
}, 60_000);

afterAll(() => {
  if (fx) fs.rmSync(fx.root, { recursive: true, force: true });
});

function cli(args: string[], killWhen?: () => boolean): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = killWhen ? setInterval(() => killWhen() && child.kill('SIGKILL'), 50) : undefined;
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Steps of checkpoints written so far (read through a separate connection, as another process would). */
function checkpointSteps(): number[] {
  const p = openProject(fx.project.dir, { readonly: true });
  try {
    const models = p.db.prepare('SELECT id FROM models').pluck().all() as number[];
    return models.flatMap((id) => listTrainingEvents(p.db, id, { kind: 'checkpoint' }).map((e) => e.step));
  } catch {
    return [];
  } finally {
    p.close();
  }
}

describe('kill and resume', () => {
  it('a training killed with SIGKILL resumes from its last checkpoint and completes the same schedule', async () => {
    const config = JSON.stringify({ ...TINY, epochs: 6, checkpointEvery: 3 });
    const killed = await cli(['train', fx.project.dir, '--objective', 'clflow', '--config', config, '--json'], () => checkpointSteps().some((s) => s >= 3));
    expect(killed.signal).toBe('SIGKILL');

    const p = openProject(fx.project.dir, { readonly: true });
    const row = p.db.prepare('SELECT id, status FROM models').get() as { id: number; status: string };
    p.close();
    expect(row.status).toBe('training'); // the killed process never got to say otherwise

    const resumed = await cli(['train', fx.project.dir, '--resume', String(row.id), '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout.trim().split('\n').pop()!);
    expect(result.modelId).toBe(row.id);
    expect(result.resumedFromStep).toBeGreaterThanOrEqual(3);
    expect(result.resumedFromStep).toBeLessThan(12);
    expect(result.steps).toBe(12); // the checkpoint's step count honoured: the schedule ends where it would have

    const q = openProject(fx.project.dir, { readonly: true });
    const trainEvents = listTrainingEvents(q.db, row.id, { kind: 'train' });
    const trainSteps = trainEvents.map((e) => e.step);
    const status = q.db.prepare('SELECT status FROM models WHERE id = ?').pluck().get(row.id);
    q.close();
    expect(trainSteps).toEqual([...Array(12).keys()].map((i) => i + 1)); // each step once, none lost or repeated
    // Killed during the FastFlow warm-up (steps 1–6), the resumed run still switches to the CL-Flow terms at step 7.
    const hasContrast = (e: (typeof trainEvents)[number]) => 'contrast' in (e.data.losses as Record<string, number>);
    expect(trainEvents.map(hasContrast)).toEqual([...Array(12).keys()].map((i) => i >= 6));
    expect(status).toBe('ready');
  }, 120_000);
});
