#!/usr/bin/env python3
"""The PyTorch side of Flowspect's `--vs-torch` benchmarks (bench/torch-peer.ts). Never a runtime dependency.

Reads one JSON command per line on stdin and answers one JSON line on stdout, so the Node benchmark can alternate
its own runs with these rep by rep. Timing is taken here around the work only (no pipe, no JSON).

  {"cmd": "coupling", "n": 8, "c": 64, "size": 32, "threads": 1}   build the FastFlow coupling block of bench/graph.ts
  {"cmd": "forward"}          one forward (no grad, eager)            -> {"ms": ...}
  {"cmd": "forward_script"}   one forward of the TorchScript version  -> {"ms": ...}
  {"cmd": "train"}            one train step: forward, backward, gradient clipping, Adam -> {"ms": ...}
  {"cmd": "quit"}
"""
import json
import sys
import time

import torch


class Coupling(torch.nn.Module):
    """Split, Conv3x3-ReLU-Conv3x3 subnet giving (s, t), soft clamp 2, affine coupling, NLL: as bench/graph.ts."""

    def __init__(self, c: int):
        super().__init__()
        half = c // 2
        self.half = half
        self.conv1 = torch.nn.Conv2d(half, c, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        x1, x2 = x[:, : self.half], x[:, self.half :]
        st = self.conv2(torch.relu(self.conv1(x1)))
        s_raw, t = st[:, : self.half], st[:, self.half :]
        s = 2 * torch.tanh(s_raw * 0.5)
        z = torch.cat([x1, x2 * torch.exp(s) + t], 1)
        logdet = s.sum(dim=(1, 2, 3))
        return ((z * z).sum(dim=(1, 2, 3)) * 0.5 - logdet).mean()


class Peer:
    def __init__(self):
        self.model = None

    def coupling(self, n, c, size, threads):
        torch.set_num_threads(threads)
        torch.manual_seed(1)
        self.model = Coupling(c)
        self.x = torch.sin(torch.arange(n * c * size * size, dtype=torch.float32) * 0.37).reshape(n, c, size, size) * 0.8
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-4)
        with torch.no_grad():
            self.script = torch.jit.optimize_for_inference(torch.jit.script(self.model.eval()))
        self.model.train()
        for _ in range(2):
            self.forward(), self.forward_script(), self.train()
        return {"ok": True, "threads": torch.get_num_threads(), "torch": torch.__version__}

    def timed(self, fn):
        t0 = time.perf_counter()
        fn()
        return {"ms": (time.perf_counter() - t0) * 1000}

    def forward(self):
        def run():
            with torch.inference_mode():
                self.model(self.x)
        return self.timed(run)

    def forward_script(self):
        def run():
            with torch.inference_mode():
                self.script(self.x)
        return self.timed(run)

    def train(self):
        def run():
            self.opt.zero_grad(set_to_none=True)
            loss = self.model(self.x)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 10.0)
            self.opt.step()
        return self.timed(run)


def main():
    peer = Peer()
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg.pop("cmd")
        if cmd == "quit":
            break
        try:
            out = getattr(peer, cmd)(**msg)
        except Exception as err:  # reported to the benchmark, which names it
            out = {"error": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
