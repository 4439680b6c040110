import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { z } from 'zod';
import { describe, expect, it, vi } from 'vitest';
import { SynthesisParams } from '../../app/synthesis/params';
import { builtinPreset } from '../../app/synthesis/presets';
import BandSummary from '../../renderer/src/components/BandSummary.svelte';
import ImageViewer from '../../renderer/src/components/ImageViewer.svelte';
import ParamForm from '../../renderer/src/components/ParamForm.svelte';
import ScoreHistogram from '../../renderer/src/components/ScoreHistogram.svelte';
import { type Bands, ScoreIndex } from '../../renderer/src/lib/bands';

const index = new ScoreIndex([
  { score: 0, defect: false },
  { score: 0.2, defect: false },
  { score: 0.4, defect: false },
  { score: 0.6, defect: true },
  { score: 0.8, defect: true },
  { score: 1, defect: true },
]);

describe('score histogram thresholds and band summary', () => {
  it('moves a threshold with the keyboard and reports the new bands', async () => {
    const onchange = vi.fn();
    render(ScoreHistogram, { index, thresholds: { review: 0.5, reject: 0.9 }, onchange });
    const low = screen.getByRole('slider', { name: /Review threshold/ });
    expect(low.getAttribute('aria-valuenow')).toBe('0.5');
    await fireEvent.keyDown(low, { key: 'ArrowLeft', shiftKey: true });
    expect(onchange).toHaveBeenLastCalledWith({ review: 0.4, reject: 0.9 });
    const high = screen.getByRole('slider', { name: /Reject threshold/ });
    await fireEvent.keyDown(high, { key: 'Home' });
    // The reject handle stops at the review handle.
    expect(onchange).toHaveBeenLastCalledWith({ review: 0.5, reject: 0.5 });
  });

  it('shows live counts and the confusion matrix for the thresholds', async () => {
    const { rerender } = render(BandSummary, { index, thresholds: { review: 0.5, reject: 0.9 } as Bands });
    expect(screen.getByTestId('count-accept').textContent).toBe('3');
    expect(screen.getByTestId('count-review').textContent).toBe('2');
    expect(screen.getByTestId('count-reject').textContent).toBe('1');
    expect(screen.getByTestId('count-error').textContent).toBe('0');
    expect(screen.getByTestId('rates').textContent).toContain('recall 100.0%');
    await rerender({ index, thresholds: { review: 0.7, reject: 0.9 } });
    expect(screen.getByTestId('count-accept').textContent).toBe('4');
    expect(screen.getByTestId('rates').textContent).toContain('escapes 1');
  });

  it('counts results without a finite score in the error band, as not passed', async () => {
    const withErrors = new ScoreIndex([...[0, 0.2, 0.6, 1].map((score, i) => ({ score, defect: i >= 2 })), { score: null, defect: true }, { score: Number.NaN, defect: false }]);
    const { getByTestId } = within(render(BandSummary, { index: withErrors, thresholds: { review: 0.5, reject: 0.9 } }).container);
    expect(getByTestId('count-accept').textContent).toBe('2');
    expect(getByTestId('count-error').textContent).toBe('2');
    expect(getByTestId('count-error').classList.contains('unjudged')).toBe(true);
    // The unscored defect is caught (3 of 3), the unscored good part is a false alarm (1 of 3).
    expect(getByTestId('rates').textContent).toContain('recall 100.0%');
    expect(getByTestId('rates').textContent).toContain('false-alarm rate 33.3%');
    expect(getByTestId('rates').textContent).toContain('escapes 0');
  });
});

describe('synthesis parameter form', () => {
  const schema = z.toJSONSchema(SynthesisParams, { unrepresentable: 'any' });

  it('emits every slider change and flags a typed out-of-range value in place', async () => {
    const onchange = vi.fn();
    const value = builtinPreset('hole');
    const { rerender } = render(ParamForm, { schema, value, onchange });
    const slider = screen.getByRole('slider', { name: 'Border Margin slider' });
    await fireEvent.input(slider, { target: { value: '400' } });
    const [next, valid] = onchange.mock.lastCall!;
    expect(valid).toBe(true);
    expect((next as typeof value).placement.borderMargin).toBe(0.1);

    const octaveField = screen.queryByLabelText('Octaves');
    expect(octaveField).toBeNull(); // 'hole' has spot shapes: only the fields of the branch in use are shown
    const margin = screen.getByLabelText('Border Margin') as HTMLInputElement;
    await fireEvent.change(margin, { target: { value: '0.9' } });
    const [bad, ok] = onchange.mock.lastCall!;
    expect(ok).toBe(false);
    await rerender({ schema, value: bad, onchange });
    expect(screen.getByRole('alert').textContent).toBe('Placement › Border Margin must be a number in [0, 0.25]');
  });
});

describe('image viewer mask editor', () => {
  it('paints with the brush and erases, counting mask pixels', async () => {
    render(ImageViewer, { src: 'data:,', alt: 'part 1', width: 64, height: 64, editable: true, onsave: vi.fn() });
    await fireEvent.click(screen.getByRole('button', { name: 'Brush' }));
    // Without layout (happy-dom) the viewer fits 64² into its 600×400 fallback box: scale 6.25, x offset 100.
    const box = screen.getByTestId('image-viewer');
    await fireEvent.pointerDown(box, { clientX: 150, clientY: 100, pointerId: 1 });
    await fireEvent.pointerMove(box, { clientX: 200, clientY: 100, pointerId: 1 });
    await fireEvent.pointerUp(box, { pointerId: 1 });
    const painted = Number(screen.getByTestId('mask-pixels').textContent!.split(' ')[0]);
    expect(painted).toBeGreaterThan(0);
    expect((screen.getByRole('button', { name: 'Save mask' }) as HTMLButtonElement).disabled).toBe(false);
    await fireEvent.keyDown(box, { key: 'z', ctrlKey: true });
    expect(screen.getByTestId('mask-pixels').textContent).toBe('0 px');
  });
});
