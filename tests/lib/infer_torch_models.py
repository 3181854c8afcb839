#!/usr/bin/env python3
"""infer_torch_models.py: exports small CNN classifiers with the real PyTorch
ONNX exporter (torch.onnx.export, TorchScript) into OUTDIR, for
infer_models.sh. Random weights, batch norm with non-trivial statistics, a
flatten whose order matters:

  torch_cnn_opset11.onnx   Conv+BN(folded)+ReLU, MaxPool ceil_mode, AdaptiveAvgPool
                           to 3x3, Flatten, Linear, ReLU, Dropout, Linear, Softmax;
                           dynamic batch
  torch_cnn_bn_opset13.onnx the same without constant folding (BatchNormalization
                           kept), x.view(x.size(0), -1) (Shape/Gather/Concat/
                           Reshape), padding=1 AvgPool, sigmoid head of 1 output

Exits 3 when torch is not installed (the caller skips).
usage: infer_torch_models.py OUTDIR
"""
import os
import sys

try:
    import torch
    from torch import nn
except ImportError:
    sys.exit(3)


class Net(nn.Module):
    def __init__(self, view_flatten, classes):
        super().__init__()
        self.view_flatten = view_flatten
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
            nn.Conv2d(8, 12, 3, padding=1, stride=1), nn.BatchNorm2d(12), nn.ReLU(),
            nn.AvgPool2d(2, padding=1) if view_flatten else nn.AdaptiveAvgPool2d((3, 3)),
        )
        feat = 12 * 9 if not view_flatten else 12 * 8 * 7
        self.head = nn.Sequential(nn.Linear(feat, 16), nn.ReLU(), nn.Dropout(0.5),
                                  nn.Linear(16, classes))
        self.classes = classes

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1) if self.view_flatten else torch.flatten(x, 1)
        x = self.head(x)
        return torch.sigmoid(x) if self.classes == 1 else torch.softmax(x, dim=1)


def export(net, path, opset, fold):
    torch.manual_seed(0)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.3, 0.3)
    net.eval()
    x = torch.rand(2, 3, 30, 24)
    torch.onnx.export(net, x, path, opset_version=opset, do_constant_folding=fold,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(sys.argv[1], exist_ok=True)
    torch.manual_seed(1)
    export(Net(False, 3), os.path.join(sys.argv[1], "torch_cnn_opset11.onnx"), 11, True)
    torch.manual_seed(2)
    export(Net(True, 1), os.path.join(sys.argv[1], "torch_cnn_bn_opset13.onnx"), 13, False)


if __name__ == "__main__":
    main()
