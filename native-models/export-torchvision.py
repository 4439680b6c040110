#!/usr/bin/env python3
"""Export torchvision ResNet18 / WideResNet50-2, truncated after layer3, as Flowspect ONNX backbones.

Not run in CI (needs PyTorch and downloads ImageNet weights once). Usage, on a machine with internet access:

    pip install torch torchvision onnx
    python native-models/export-torchvision.py resnet18 resnet18.onnx
    python native-models/export-torchvision.py wide_resnet50_2 wrn50.onnx
    npx flowspect backbone import PROJECT resnet18.onnx --json        # taps detected: layer1, layer2, layer3

The exported graph takes the usual torchvision input: (N, 3, H, W) RGB, ImageNet-normalised (mean/std), which is
Flowspect's default `--normalization imagenet`: the importer puts the [0, 255] → ImageNet scaling in front.
Outputs are named `layer1` (stride 4), `layer2` (stride 8) and `layer3` (stride 16), so `--taps layer1,layer2,layer3`
is what auto-detection finds as well. Batch, height and width are dynamic; opset 17.
"""
import sys

import torch
import torchvision


class Truncated(torch.nn.Module):
    """Stem + layer1..layer3 of a torchvision ResNet; returns the three stage outputs."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.stem = torch.nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        self.layer1, self.layer2, self.layer3 = net.layer1, net.layer2, net.layer3

    def forward(self, x):
        f1 = self.layer1(self.stem(x))
        f2 = self.layer2(f1)
        f3 = self.layer3(f2)
        return f1, f2, f3


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("resnet18", "wide_resnet50_2"):
        sys.exit("usage: export-torchvision.py resnet18|wide_resnet50_2 OUT.onnx")
    arch, out = sys.argv[1], sys.argv[2]
    weights = {"resnet18": "ResNet18_Weights.IMAGENET1K_V1", "wide_resnet50_2": "Wide_ResNet50_2_Weights.IMAGENET1K_V1"}[arch]
    net = getattr(torchvision.models, arch)(weights=weights).eval()
    model = Truncated(net).eval()
    dummy = torch.zeros(1, 3, 256, 256)
    dims = {0: "N", 2: "H", 3: "W"}
    torch.onnx.export(
        model,
        dummy,
        out,
        input_names=["input"],
        output_names=["layer1", "layer2", "layer3"],
        dynamic_axes={"input": dims, "layer1": dims, "layer2": dims, "layer3": dims},
        opset_version=17,
        do_constant_folding=True,  # folds BatchNorm into the convolutions
    )
    print(f"wrote {out}: {arch} to layer3, taps layer1 (stride 4), layer2 (stride 8), layer3 (stride 16)")


if __name__ == "__main__":
    main()
