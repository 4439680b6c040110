import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoSteps, runDemo } from '../../app/workflows/demo.js';
import { listDatasets } from '../../app/store/datasets.js';
import { openProject } from '../../app/store/project.js';
import { tempDir } from '../helpers.js';

const t = tempDir('flowspect-demo-pipeline-');
afterAll(() => t.cleanup());

describe('demo pipeline', () => {
  it('creates a project from (a small run of) the demo data, and a second run adds nothing', async () => {
    expect(demoSteps.slice(0, 2).map((s) => s.name)).toEqual(['generate', 'import']);
    const logs: string[] = [];
    const counts = { trainGood: 3, testGood: 2, defective: 3 };
    const first = await runDemo({ workdir: t.dir, quick: true, counts, only: ['generate', 'import'], log: (m) => logs.push(m) });
    expect(first.project).toBe(path.join(t.dir, 'project'));
    expect(first.steps.import).toMatchObject({ imported: 24, duplicates: 0, masks: 9 });
    const p = openProject(first.project, { readonly: true });
    expect(listDatasets(p.db).map((d) => [d.name, d.sourceFormat, d.counts.train, d.counts.test, d.counts.defect, d.counts.masks])).toEqual([
      ['fabric', 'demo', 3, 5, 3, 3],
      ['metal', 'demo', 3, 5, 3, 3],
      ['pcb', 'demo', 3, 5, 3, 3],
    ]);
    p.close();
    expect(logs).toContain('step import');
    const second = await runDemo({ workdir: t.dir, quick: true, counts, only: ['generate', 'import'] });
    expect(second.steps.import).toMatchObject({ imported: 0, duplicates: 24 });
  });
});
