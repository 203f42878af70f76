#!/usr/bin/env python3
"""Baseline (c): the project's generator in plain PyTorch eager, from Python.

Reads a .ctzm model file itself (text header + raw weights, see
core/model_file.h), rebuilds the same U-Net as core/generator.cpp and times
one frame at a time, with the host<->device copies a Python wrapper does
(uint8 HWC on the host -> float NCHW on the device -> uint8 back). Only
PyTorch is needed (no numpy, no image library): frames are binary PPM files
(P6), e.g. the ones tools/gpu/verify.sh writes, or a synthetic frame.

  eager_baseline.py --model models/styles/ink.ctzm [--frame f.ppm | --size 1920x1080]
                    [--device cuda|cpu] [--half] [--reps 20] [--csv out.csv]
"""
import argparse
import statistics
import struct
import sys
import time
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_ctzm(path):
    """Returns (header dict, {name: float32 tensor}); checks magic, version and CRC."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:8] != b"CTZMODEL":
        raise SystemExit(f"{path}: not a .ctzm file")
    version, header_len = struct.unpack("<II", blob[8:16])
    if version != 1:
        raise SystemExit(f"{path}: format version {version}, this script reads 1")
    header = blob[16:16 + header_len].decode("utf-8")
    payload = blob[16 + header_len:]
    info, tensors = {}, {}
    for line in header.splitlines():
        key, _, value = line.partition(" ")
        if key == "tensor":
            name, shape, off, size = value.split()
            tensors[name] = ([int(d) for d in shape.split(",")], int(off), int(size))
        elif key:
            info[key] = value
    if len(payload) != int(info["payload_bytes"]) or zlib.crc32(payload) != int(info["payload_crc32"]):
        raise SystemExit(f"{path}: truncated or corrupt weights")
    dtype = torch.float16 if info["dtype"] == "f16" else torch.float32
    weights = {}
    for name, (shape, off, size) in tensors.items():
        t = torch.frombuffer(bytearray(payload[off:off + size]), dtype=dtype).reshape(shape)
        weights[name] = t.float()
    return info, weights


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.conv2(F.leaky_relu(self.conv1(x), 0.2))


class Generator(nn.Module):
    """core/generator.cpp in PyTorch (same module names, so the weights load by name)."""

    def __init__(self, w, res_blocks):
        super().__init__()

        def conv(i, o, k, s=1):
            return nn.Conv2d(i, o, k, stride=s, padding=k // 2)

        self.conv0 = conv(3, w, 7)
        self.down1a, self.down1b = conv(w, w, 3, 2), conv(w, 2 * w, 3)
        self.down2a, self.down2b = conv(2 * w, 2 * w, 3, 2), conv(2 * w, 4 * w, 3)
        self.res = nn.Sequential(*[ResBlock(4 * w) for _ in range(res_blocks)])
        self.mid = conv(4 * w, 2 * w, 3)
        self.up1a, self.up1b = conv(2 * w, 2 * w, 3), conv(2 * w, w, 3)
        self.up2a = conv(w, w, 3)
        self.out = conv(w, 3, 7)

    def forward(self, x):
        lrelu = lambda t: F.leaky_relu(t, 0.2)
        up = lambda t, like: F.interpolate(t, size=like.shape[2:], mode="bilinear", align_corners=False)
        h, w = x.shape[2:]
        ph, pw = (4 - h % 4) % 4, (4 - w % 4) % 4
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        x0 = lrelu(self.conv0(x))
        x1 = lrelu(self.down1b(lrelu(self.down1a(x0))))
        x2 = lrelu(self.down2b(lrelu(self.down2a(x1))))
        x2 = lrelu(self.mid(self.res(x2)))
        x3 = lrelu(self.up1b(lrelu(self.up1a(up(x2, x1) + x1))))
        x4 = self.out(lrelu(self.up2a(up(x3, x0) + x0)))
        return torch.tanh(x4)[:, :, :h, :w]


def load_generator(path):
    info, weights = read_ctzm(path)
    if info.get("architecture") != "unet-wbc":
        raise SystemExit(f"{path}: architecture {info.get('architecture')} unknown here")
    g = Generator(int(info["width"]), int(info["res_blocks"]))
    # nn.Sequential names its children 0,1,..; the C++ file uses the same names.
    g.load_state_dict(weights, strict=True)
    return g.eval(), info


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval (comments not supported)
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise SystemExit(f"{path}: only binary 8-bit PPM (P6, maxval 255) is read")
    w, h = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + w * h * 3]
    return torch.frombuffer(bytearray(pixels), dtype=torch.uint8).reshape(h, w, 3)


def synthetic_frame(w, h):
    """Smooth gradients with edges (deterministic), HWC uint8."""
    ys = torch.linspace(0, 1, h).view(h, 1).expand(h, w)
    xs = torch.linspace(0, 1, w).view(1, w).expand(h, w)
    r = xs
    g = ((xs * 7).floor() % 2) * 0.5 + ys * 0.5
    b = torch.sin(xs * 20 + ys * 13) * 0.5 + 0.5
    return (torch.stack([r, g, b], 2) * 255).round().to(torch.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--frame", help="binary PPM frame (P6)")
    ap.add_argument("--size", default="1920x1080", help="synthetic frame WxH when --frame is not given")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--half", action="store_true", help="fp16 weights and activations (CUDA)")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--csv", help="append one result line to this CSV")
    a = ap.parse_args()

    frame = read_ppm(a.frame) if a.frame else synthetic_frame(*map(int, a.size.split("x")))
    h, w = frame.shape[:2]
    dev = torch.device(a.device)
    dtype = torch.float16 if a.half else torch.float32
    g, _ = load_generator(a.model)
    g = g.to(dev, dtype)

    def one_frame():
        with torch.no_grad():
            x = frame.to(dev).permute(2, 0, 1).unsqueeze(0).to(dtype) / 127.5 - 1
            y = g(x)
            out = ((y[0].permute(1, 2, 0).float() + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).cpu()
        return out

    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    for _ in range(3):
        one_frame()
    sync()
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        one_frame()  # .cpu() synchronises
        times.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(times)
    peak = torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else 0.0
    name = torch.cuda.get_device_name() if dev.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    line = f"python-eager,{w}x{h},{a.device},{'fp16' if a.half else 'fp32'},{ms:.3f},{1000 / ms:.2f},{peak:.1f},{name}"
    print("case,size,device,precision,ms,fps,cuda_peak_mb,device_name")
    print(line)
    if a.csv:
        with open(a.csv, "a") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
