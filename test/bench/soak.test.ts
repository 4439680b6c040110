/**
 * The soak benchmark's CI version: `flowspect serve` as a child process under 4 clients for 10 s of reads, edits with
 * undo, imports and scoring through its HTTP API. Every request must succeed and every imported image and every
 * result of every finished score job must be in the database afterwards. Timings and the memory slope are the
 * benchmark's to report (over 10 s they are noise); only a gross leak of live heap is bounded here.
 */
import { describe, expect, it } from 'vitest';
import { soakArgs } from '../../bench/soak.js';
import { runSoak } from '../../bench/soak/run.js';

describe('bench soak', () => {
  it('takes --seconds and --clients (60 s and 8 clients by default) and refuses bad values, naming them', () => {
    expect(soakArgs([])).toEqual({ seconds: 60, clients: 8 });
    expect(soakArgs(['--seconds', '10', '--clients=3'])).toEqual({ seconds: 10, clients: 3 });
    expect(() => soakArgs(['--seconds', '0'])).toThrow(/--seconds must be an integer from 1/);
    expect(() => soakArgs(['--clients', 'many'])).toThrow(/--clients must be an integer/);
    expect(() => soakArgs(['--duration', '5'])).toThrow(/bench soak: .*duration/);
  });

  it('serve mode under 4 clients for 10 s: no errors, no lost rows, the server exits cleanly', async () => {
    const r = await runSoak({ seconds: 10, clients: 4 });
    expect(r.firstErrors).toEqual([]);
    expect(r.errors).toBe(0);
    expect(r.lostRows.details).toEqual([]);
    expect(r.lostRows.lost).toBe(0);
    // Real work was checked: imports and score jobs finished, and each was found in the database.
    expect(r.lostRows.imports.jobs).toBeGreaterThan(0);
    expect(r.lostRows.imports.foundImages).toBe(r.lostRows.imports.expectedImages);
    expect(r.lostRows.scores.jobs).toBeGreaterThan(0);
    expect(r.lostRows.scores.foundResults).toBe(r.lostRows.scores.expectedResults);
    expect(r.server).toMatchObject({ code: 0, logErrors: 0 });
    // Generous (the live heap grows ~2 MB while caches warm up): only a gross leak, such as every answer kept, fails it.
    expect(r.memory.liveHeapMb.after - r.memory.liveHeapMb.before).toBeLessThan(32);
  }, 180_000);
});
