import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createProject, openProject } from '../../app/store/project.js';
import { tempDir } from '../helpers.js';

const WRITER = fileURLToPath(new URL('../fixtures/batch-writer.mjs', import.meta.url));
const t = tempDir();
afterAll(() => t.cleanup());

function runAndKill(dir: string, killAfterMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), killAfterMs));
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`))));
  });
}

describe('crash safety', () => {
  it('survives 20 SIGKILLs of a writer mid-batch: integrity ok, no partial batch visible', async () => {
    createProject(t.dir).close();
    for (let i = 0; i < 20; i++) await runAndKill(t.dir, 20 + ((i * 37) % 120));
    const p = openProject(t.dir);
    expect(p.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const batches = p.db
      .prepare('SELECT d.name, COUNT(i.id) AS n FROM datasets d LEFT JOIN images i ON i.dataset_id = d.id GROUP BY d.id')
      .all() as Array<{ name: string; n: number }>;
    expect(batches.length).toBeGreaterThan(20); // the writers did commit work before dying
    expect(batches.filter((b) => b.n !== 50)).toEqual([]);
    p.close();
  }, 120_000);
});
