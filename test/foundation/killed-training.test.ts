import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppContext } from '../../app/context.js';
import type { AppEvent } from '../../app/core/events.js';
import { getModel } from '../../app/store/models.js';
import { openProject } from '../../app/store/project.js';
import { type Fixture, fabricFixture, TINY } from '../train/fixture.js';

const CLI = fileURLToPath(new URL('../../bin/flowspect.js', import.meta.url));
let fx: Fixture;

beforeAll(async () => {
  fx = await fabricFixture(8);
  fx.project.close(); // the CLI process owns the project now
}, 60_000);

afterAll(() => {
  if (fx) fs.rmSync(fx.root, { recursive: true, force: true });
});

/** Ids of models in 'training', read through a read-only connection (as another process would). */
function modelsTraining(): number[] {
  const p = openProject(fx.project.dir, { readonly: true });
  try {
    return p.db.prepare("SELECT id FROM models WHERE status = 'training'").pluck().all() as number[];
  } finally {
    p.close();
  }
}

describe('a CLI training killed with SIGKILL', () => {
  it('is marked interrupted (and logged) by the next writer that opens the project', async () => {
    const child = spawn(process.execPath, [CLI, 'train', fx.project.dir, '--config', JSON.stringify({ ...TINY, epochs: 50 })], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // Killed as soon as its model row exists: the trainer is past its checks and never gets to say it stopped.
    const poll = setInterval(() => modelsTraining().length > 0 && child.kill('SIGKILL'), 50);
    const signal = await exited;
    clearInterval(poll);
    expect(signal, stderr).toBe('SIGKILL');
    const [modelId] = modelsTraining(); // a reader marks nothing
    expect(modelId).toBeGreaterThan(0);

    const app = new AppContext(path.join(fx.root, 'user'), { logToFile: false });
    const events: AppEvent[] = [];
    const stop = app.events.subscribe((e) => events.push(e));
    try {
      app.openProject(fx.project.dir); // takes over the dead trainer's lock
      expect(getModel(app.project().db, modelId!)?.status).toBe('interrupted');
      const warnings = events.filter((e) => e.event === 'log' && e.payload.level === 'warn').map((e) => String((e.payload as { message: string }).message));
      expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`model ${modelId} was left training by a process that is gone`)));
    } finally {
      stop();
      await app.dispose();
    }
  }, 120_000);
});
