/**
 * The Live view against the contract: the preload's bridge (window.flowspect) is played by a main process that
 * checks every request against the method's request schema and answers only what the response schema accepts,
 * and pushes live.verdict / live.state events checked by the event schemas. The view starts a watcher with the
 * chosen model and folder, shows the incoming stream (last part with its map from results.map, rate, counts per
 * verdict, the reason of an unjudged part), and its Pause button pauses and resumes.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FlowspectBridge } from '../../app/api/bridge';
import type { AppEvent } from '../../app/core/events';
import { eventSchemas } from '../../app/core/events';
import { type LiveStatus } from '../../app/core/live';
import { liveMethods } from '../../app/api/methods/live';
import { modelMethods } from '../../app/api/methods/models';
import { resultMapMethods } from '../../app/api/methods/result-maps';

const METHODS = { ...liveMethods, 'models.list': modelMethods['models.list'], 'results.map': resultMapMethods['results.map'] } as const;
type Name = keyof typeof METHODS;

const MODEL = {
  id: 3, name: 'line 3', datasetId: 1, status: 'ready', objective: 'clflow', backbone: 'mobilenetv2-imagenet', config: {}, paramCount: 10,
  metrics: {}, onnxPath: 'models/model-3.onnx', checkpointPath: null, scoreNorm: null, trainDataHash: null, trainingSeconds: 1,
  executionProvider: 'cpu', jobId: null, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
  thresholds: { review: 1, reject: 2, method: 'clean-quantile', detail: 'test', validation: { clean: 10, defects: 5 } },
};

const calls: { method: string; params: unknown }[] = [];
const listeners = new Set<(e: AppEvent) => void>();
let status: LiveStatus = {
  state: 'idle', modelId: null, dir: null, moveTo: null, datasetId: null, startedAt: null,
  counts: { accept: 0, review: 0, reject: 0, error: 0 }, partsPerSecond: 0, queued: 0, error: null,
};

function answer(method: Name, params: unknown): unknown {
  const req = METHODS[method].request.parse(params) as Record<string, unknown>;
  switch (method) {
    case 'models.list':
      return [MODEL];
    case 'live.status':
      return status;
    case 'live.start':
      return (status = { ...status, state: 'running', modelId: req.modelId as number, dir: req.dir as string, datasetId: 7, startedAt: new Date().toISOString() });
    case 'live.pause':
      return (status = { ...status, state: 'paused' });
    case 'live.resume':
      return (status = { ...status, state: 'running' });
    case 'live.stop':
      return (status = { ...status, state: 'idle', dir: null });
    case 'results.map': {
      const values = new Float32Array([0, 1, 2, 4]);
      return { width: 2, height: 2, scale: 'score', valuesBase64: Buffer.from(values.buffer).toString('base64') };
    }
  }
}

const bridge: FlowspectBridge = {
  async invoke(method, params) {
    calls.push({ method, params });
    if (!(method in METHODS)) return { ok: false, error: { code: 'unknown_method', message: method } };
    const result = METHODS[method as Name].response.parse(answer(method as Name, params));
    return { ok: true, result };
  },
  subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

function push<E extends 'live.verdict' | 'live.state'>(event: E, payload: unknown): void {
  const checked = eventSchemas[event].parse(payload);
  for (const l of listeners) l({ event, payload: checked } as AppEvent);
}

let LiveView: typeof import('../../renderer/src/views/LiveView.svelte').default;
beforeAll(async () => {
  window.flowspect = bridge; // the client picks the IPC bridge when its module loads
  LiveView = (await import('../../renderer/src/views/LiveView.svelte')).default;
});

afterEach(() => cleanup());

const counts = (accept: number, review: number, reject: number, error: number) => ({ accept, review, reject, error });

describe('Live view', () => {
  it('starts a watcher, shows the stream with the last part, rate and counts, pauses and stops', async () => {
    render(LiveView);
    const folder = (await screen.findByLabelText(/Folder to watch/)) as HTMLInputElement;
    await fireEvent.input(folder, { target: { value: '/srv/camera' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(screen.getByTestId('live-state').textContent).toBe('running'));
    expect(calls.find((c) => c.method === 'live.start')!.params).toEqual({ modelId: 3, dir: '/srv/camera' });
    expect(screen.getByText(/Waiting for the first part/)).toBeTruthy();

    const message = { file: '/srv/camera/p0001.png', score: 1.5, verdict: 'review', model: 3, time: new Date().toISOString(), map: '/p/maps/model-3/live-a.png' };
    push('live.verdict', { message, imageId: 11, resultId: 21, imagePath: 'images/7/a.png', mapPath: 'maps/model-3/live-a.png', counts: counts(4, 1, 0, 0), partsPerSecond: 28.6, queued: 2 });
    await waitFor(() => expect(screen.getByTestId('live-last-verdict').textContent).toBe('review'));
    expect(screen.getByTestId('live-last').textContent).toContain('p0001.png');
    expect(screen.getByTestId('live-count-accept').textContent).toBe('4');
    expect(screen.getByTestId('live-count-review').textContent).toBe('1');
    expect(screen.getByTestId('live-rate').textContent).toBe('28.6 parts/s');
    expect(screen.getByTestId('live-queued').textContent).toBe('2 waiting');
    // The map comes through results.map and is drawn on the model's scale (0 … 2 × reject).
    await waitFor(() => expect(screen.getByTestId('heatmap').dataset.loaded).toBe('true'));
    expect(calls.filter((c) => c.method === 'results.map').map((c) => c.params)).toEqual([{ resultId: 21 }]);
    expect(screen.getByTestId('map-scale').textContent).toContain('scale 0 – 4');

    const cut = { file: '/srv/camera/cut.png', score: null, verdict: 'error', model: 3, time: new Date().toISOString(), reason: 'truncated or corrupt image data: libpng read error' };
    push('live.verdict', { message: cut, imageId: 12, resultId: 22, imagePath: 'images/7/b.bin', mapPath: null, counts: counts(4, 1, 0, 1), partsPerSecond: 29, queued: 0 });
    await waitFor(() => expect(screen.getByTestId('live-last-verdict').textContent).toBe('error'));
    expect(screen.getByTestId('live-last-reason').textContent).toBe('Not judged: truncated or corrupt image data: libpng read error');
    expect(screen.getByTestId('live-count-error').textContent).toBe('1');
    expect(screen.queryByTestId('heatmap')).toBeNull(); // an unjudged part has no map to show

    await fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    await waitFor(() => expect(screen.getByTestId('live-state').textContent).toBe('paused'));
    await fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(screen.getByTestId('live-state').textContent).toBe('running'));
    expect(calls.map((c) => c.method).filter((m) => m === 'live.pause' || m === 'live.resume')).toEqual(['live.pause', 'live.resume']);

    await fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    await waitFor(() => expect(screen.getByTestId('live-state').textContent).toBe('idle'));
    expect(screen.getByRole('button', { name: 'Start' })).toBeTruthy();
  });

  it('shows why the watcher stopped when it fails on its own', async () => {
    render(LiveView);
    await screen.findByLabelText(/Folder to watch/);
    push('live.state', { ...status, state: 'failed', error: 'stopped: /srv/results.jsonl: only 10 of 200 bytes were written (disk full?)' });
    await waitFor(() => expect(screen.getByTestId('live-state').textContent).toBe('failed'));
    expect(screen.getByRole('alert').textContent).toContain('disk full?');
  });
});
