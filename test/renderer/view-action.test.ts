/**
 * The views' error helper and the job progress they show: a failed action puts its message in the view's banner
 * (and never rejects), a busy flag is up exactly while the action runs, and each job kind's rate is read from its
 * own typed field with its own unit.
 */
import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import JobProgress from '../../renderer/src/components/JobProgress.svelte';
import { ApiError } from '../../renderer/src/lib/client';
import { jobs, rateOf, rateUnitOf } from '../../renderer/src/lib/jobs.svelte';
import { withError } from '../../renderer/src/lib/view-action';

function banner(initial: string | null = null) {
  const shown: (string | null)[] = [];
  let current = initial;
  return { shown, get current() { return current; }, show: (m: string | null) => { current = m; shown.push(m); } };
}

describe('withError', () => {
  it('clears the last message, runs the action and gives back its value', async () => {
    const b = banner('the previous save failed');
    expect(await withError(b.show, async () => 42)).toBe(42);
    expect(b.current).toBeNull();
  });

  it('shows the message of what the action throws and resolves to undefined', async () => {
    const b = banner();
    const busy: boolean[] = [];
    const out = await withError(b.show, async () => {
      expect(busy).toEqual([true]); // up while the action runs
      throw new ApiError('conflict', 'a synthesis preset named "x" already exists');
    }, { busy: (on) => busy.push(on) });
    expect(out).toBeUndefined();
    expect(b.current).toBe('a synthesis preset named "x" already exists');
    expect(busy).toEqual([true, false]);
    await withError(b.show, () => Promise.reject('plain text'));
    expect(b.current).toBe('plain text');
  });

  it('a background load keeps an earlier message up', async () => {
    const b = banner('cannot start training: no dataset');
    await withError(b.show, async () => 'loaded', { keepError: true });
    expect(b.current).toBe('cannot start training: no dataset');
    expect(b.shown).toEqual([]);
  });
});

describe('job progress rate', () => {
  it('reads images/s for import and inference and steps/s for training', () => {
    expect(rateOf({ kind: 'import', done: 16, total: 40, imagesPerSecond: 120 })).toBe(120);
    expect(rateOf({ kind: 'infer', done: 8, total: 8, executionProvider: 'cpu', imagesPerSecond: 33 })).toBe(33);
    expect(rateOf({ kind: 'train', step: 3, totalSteps: 9, epoch: 0, executionProvider: 'cpu', imagesPerSecond: 50 })).toBeNull();
    expect(rateOf({ kind: 'train', step: 3, totalSteps: 9, epoch: 0, executionProvider: 'cpu', stepsPerSecond: 2.5 })).toBe(2.5);
    expect(rateOf(undefined)).toBeNull();
    expect([rateUnitOf('import'), rateUnitOf('infer'), rateUnitOf('train'), rateUnitOf('report')]).toEqual(['images/s', 'images/s', 'steps/s', undefined]);
  });

  it('the progress bar shows the rate in its kind’s unit, and keeps it while later events carry none', () => {
    const data = { kind: 'train' as const, step: 10, totalSteps: 20, epoch: 0, executionProvider: 'cpu', stepsPerSecond: 12.5 };
    jobs.apply({ event: 'job.progress', payload: { jobId: 901, kind: 'train', fraction: 0.5, etaSeconds: 10, message: 'epoch 1', data } });
    jobs.apply({ event: 'job.progress', payload: { jobId: 901, kind: 'train', fraction: 0.6, etaSeconds: 8, message: 'epoch 1' } });
    render(JobProgress, { jobId: 901, label: 'Training' });
    expect(screen.getByText('12.5 steps/s')).toBeTruthy();
  });

  it('shows no rate for a report or an export, which count nothing per second', () => {
    for (const [id, kind] of [[904, 'report'], [905, 'export']] as const) {
      jobs.apply({ event: 'job.progress', payload: { jobId: id, kind, fraction: 0.1, etaSeconds: null, message: 'gallery' } });
      const { container } = render(JobProgress, { jobId: id, label: kind });
      expect(container.textContent).not.toMatch(/\/s/);
    }
  });

  it('shows no rate at all for a kind that counts nothing per second (no "— images/s" on a demo build)', () => {
    jobs.apply({ event: 'job.progress', payload: { jobId: 903, kind: 'demo.create', fraction: 0.2, etaSeconds: 90, message: 'generate: fabric' } });
    const { container } = render(JobProgress, { jobId: 903, label: 'Building the demo project' });
    expect(container.textContent).not.toMatch(/\/s/);
    expect(container.textContent).toContain('ETA 1 min 30 s');
  });
});
