#!/usr/bin/env python3
"""The PyTorch side of Flowspect's `--vs-torch` benchmarks (bench/torch-peer.ts). Never a runtime dependency.

Reads one JSON command per line on stdin and answers one JSON line on stdout, so the Node benchmark can alternate
its own runs with these rep by rep. Timing is taken here around the work only (no pipe, no JSON).

  {"cmd": "coupling", "n": 8, "c": 64, "size": 32, "threads": 1}   build the FastFlow coupling block of bench/graph.ts
  {"cmd": "forward"}          one forward (no grad, eager)            -> {"ms": ...}
  {"cmd": "forward_script"}   one forward of the TorchScript version  -> {"ms": ...}
  {"cmd": "train"}            one train step: forward, backward, gradient clipping, Adam -> {"ms": ...}
  {"cmd": "scoring", "files": [...], "size": 256, "threads": 2}   build the default scoring model (see Scoring)
  {"cmd": "score_files", "batch": 8, "mode": "eager"|"script"}   decode + resize the first `batch` files with PIL,
                              score them -> {"ms": ..., "decodeMs": ..., "modelMs": ...}
  {"cmd": "quit"}
"""
import concurrent.futures
import json
import sys
import time

import numpy
import torch
from PIL import Image


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


def conv_bn(cin, cout, k, stride=1, groups=1, relu=True):
    layers = [torch.nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False), torch.nn.BatchNorm2d(cout)]
    return layers + ([torch.nn.ReLU6()] if relu else [])


class InvertedResidual(torch.nn.Module):
    """MobileNetV2's block (Sandler et al. 2018): 1x1 expand, 3x3 depthwise, 1x1 project, residual when shapes allow."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = (conv_bn(cin, hidden, 1) if expand != 1 else []) + conv_bn(hidden, hidden, 3, stride, hidden) + conv_bn(hidden, cout, 1, relu=False)
        self.body = torch.nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class Flow(torch.nn.Module):
    """One tap's FastFlow head as app/model/flow/flow.ts: LayerNorm over (C, H, W), K couplings with fixed permutations."""

    def __init__(self, c, h, w, steps, seed):
        super().__init__()
        self.c1 = c // 2
        self.c2 = c - self.c1
        self.norm = torch.nn.LayerNorm([c, h, w])
        self.subnets = torch.nn.ModuleList(
            torch.nn.Sequential(torch.nn.Conv2d(self.c1, c, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(c, 2 * self.c2, 3, padding=1)) for _ in range(steps)
        )
        g = torch.Generator().manual_seed(seed)
        self.perms = [torch.randperm(c, generator=g) for _ in range(steps)]

    def forward(self, x):
        y = self.norm(x)
        for subnet, perm in zip(self.subnets, self.perms):
            x1, x2 = y[:, : self.c1], y[:, self.c1 :]
            s_raw, t = subnet(x1).chunk(2, 1)
            s = 2 * torch.tanh(s_raw * 0.5)
            y = torch.cat([x1, x2 * torch.exp(s) + t], 1)[:, perm]
        return y


class Scoring(torch.nn.Module):
    """Flowspect's default model at 256²: MobileNetV2 up to block_9_add (torchvision's features[:11] layout), flows on
    block_5_add (stride 8), block_9_add (stride 16) and the 8x8 colour-statistics tap, 8 steps each; per tap
    0.5 mean_c z², bilinear upsampling, mean over taps, score = max of the 3x3-smoothed map. Weights are random:
    speed does not depend on their values (bench/infer.ts does the same with fresh flow weights)."""

    def __init__(self, size, steps=8):
        super().__init__()
        cfg = [(16, 1, 1, 1), (24, 2, 2, 6), (32, 3, 2, 6), (64, 4, 2, 6)]  # (out, repeats, first stride, expand)
        blocks, cin = [torch.nn.Sequential(*conv_bn(3, 32, 3, 2))], 32
        for cout, n, stride, expand in cfg:
            for i in range(n):
                blocks.append(InvertedResidual(cin, cout, stride if i == 0 else 1, expand))
                cin = cout
        self.to_s8 = torch.nn.Sequential(*blocks[:7])
        self.to_s16 = torch.nn.Sequential(*blocks[7:])
        self.flows = torch.nn.ModuleList([Flow(32, size // 8, size // 8, steps, 1), Flow(64, size // 16, size // 16, steps, 2), Flow(3, size // 8, size // 8, steps, 3)])
        self.register_buffer("cell", torch.full((3, 1, 8, 8), 1 / (255 * 64)))
        self.register_buffer("box", torch.full((1, 1, 3, 3), 1 / 9))

    def colour(self, image):
        rgb = torch.nn.functional.conv2d(image, self.cell, stride=8, groups=3) + 0.02
        grey = rgb.mean(1, keepdim=True)
        return torch.cat([grey.log(), (rgb[:, 0:1] / rgb[:, 1:2]).log(), (rgb[:, 2:3] / rgb[:, 1:2]).log()], 1)

    def forward(self, image):
        x = image / 127.5 - 1
        s8 = self.to_s8(x)
        s16 = self.to_s16(s8)
        maps = []
        for flow, feat, stride in zip(self.flows, [s8, s16, self.colour(image)], [8, 16, 8]):
            z = flow(feat)
            q = 0.5 * (z * z).mean(1, keepdim=True)
            maps.append(torch.nn.functional.interpolate(q, scale_factor=stride, mode="bilinear", align_corners=False))
        amap = (maps[0] + maps[1] + maps[2]) / 3
        score = torch.nn.functional.conv2d(amap, self.box, padding=1).amax(dim=(1, 2, 3))
        return amap, score


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

    def scoring(self, files, size, threads):
        torch.set_num_threads(threads)
        torch.manual_seed(1)
        self.files, self.size = files, size
        # A decode pool as wide as the threads, as a DataLoader with workers would give (ours decodes on libuv's pool).
        self.decoders = concurrent.futures.ThreadPoolExecutor(max(2, threads))
        self.scorer = Scoring(size).eval()
        example = torch.zeros(8, 3, size, size)
        with torch.no_grad():
            self.scorer_script = torch.jit.optimize_for_inference(torch.jit.trace(self.scorer, example))
        for mode in ("eager", "script"):
            for batch in (1, 8):
                self.score_files(batch, mode)
        return {"ok": True, "threads": torch.get_num_threads(), "torch": torch.__version__}

    def decode(self, f):
        # Lanczos, as sharp's resize in app/model/features/preprocess.ts; PIL releases the GIL while it decodes.
        return numpy.asarray(Image.open(f).convert("RGB").resize((self.size, self.size), Image.LANCZOS))

    def score_files(self, batch, mode):
        t0 = time.perf_counter()
        arrays = list(self.decoders.map(self.decode, self.files[:batch]))
        x = torch.from_numpy(numpy.stack(arrays)).permute(0, 3, 1, 2).float()
        t1 = time.perf_counter()
        with torch.inference_mode():
            amap, score = (self.scorer_script if mode == "script" else self.scorer)(x)
            score.tolist()
        t2 = time.perf_counter()
        return {"ms": (t2 - t0) * 1000, "decodeMs": (t1 - t0) * 1000, "modelMs": (t2 - t1) * 1000}

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
