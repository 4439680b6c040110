import { afterEach, describe, expect, it } from 'vitest';
import { requireTorch } from '../../bench/torch-peer.js';

describe('the PyTorch speed peer (--vs-torch)', () => {
  const saved = process.env.FLOWSPECT_TORCH_PYTHON;
  afterEach(() => {
    if (saved === undefined) delete process.env.FLOWSPECT_TORCH_PYTHON;
    else process.env.FLOWSPECT_TORCH_PYTHON = saved;
  });

  it('stops with the install line, naming the interpreter it tried, when that Python has no torch', () => {
    process.env.FLOWSPECT_TORCH_PYTHON = '/nonexistent/python3';
    expect(() => requireTorch()).toThrow(/apt-get install python3-torch.*tried \/nonexistent\/python3; set FLOWSPECT_TORCH_PYTHON/);
  });
});
