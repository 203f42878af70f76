#!/usr/bin/env python3
"""Writes a TorchScript archive whose data.pkl declares a 1.6 GB string (the
BINUNICODE length of a 10-byte attribute forged; the zip's CRCs rewritten to
match) and times plain LibTorch loading it, for docs/reliability.md:
  .venv/bin/python tests/fuzz/forged_length.py OUT.pt
Then the same file through the project's loader, e.g.
  /usr/bin/time -v build/tools/gpu/gpu-check --model OUT.pt --quick   (inside meson devenv -C build)"""
import resource
import struct
import sys
import time
import zipfile

import torch


class Labelled(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.label = "cartoonize"

    def forward(self, x):
        return x


def main(out):
    plain = out + ".plain"
    torch.jit.script(Labelled()).save(plain, _extra_files={"cartoonize.txt": "normalization zero_one\n"})
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("/data.pkl"):
                at = data.find(b"cartoonize")
                assert data[at - 5:at - 4] == b"X", "unexpected data.pkl layout"
                data = data[:at - 4] + struct.pack("<I", 1600000000) + data[at:]
            zout.writestr(info, data)
    start = time.time()
    try:
        torch.jit.load(out)
        print("torch.jit.load: loaded (unexpected)")
    except Exception as e:  # what LibTorch says after reading the declared length
        print("torch.jit.load: %.2f s, %s" % (time.time() - start, str(e).splitlines()[0]))
    print("max RSS of this process: %.0f MB" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


if __name__ == "__main__":
    main(sys.argv[1])
