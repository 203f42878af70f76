#!/usr/bin/env python3
"""Writes the damaged seeds of tests/fuzz/corpus from the two real tiny models
there (tiny-w4-f32.ctzm / tiny-w4-f16.ctzm, made by the project's own writer:
`cartoonize-train pretrain --width 4 --res-blocks 1 --size 32 --total-iter 1
--w-content 0` then `cartoonize-train export --stage pretrain [--half]`) and two
tiny TorchScript archives (PyTorch from .venv). Run from the source root:
  .venv/bin/python tests/fuzz/make_corpus.py
Each seed starts the fuzzer at one of the loader's checks instead of waiting
for it to find its way there. sealed-filtered-f16.ctzm (the writer's header
checksum and the optional output_* and style lines) is made by the trainer,
not here: `cartoonize-train export --from-model corpus/tiny-w4-f16.ctzm
--output-filter lines=2,0.06+color=0.5+guided=1,0.002 --style fuzz --out
corpus/sealed-filtered-f16.ctzm`."""
import os
import struct
import zlib

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def split(blob):
    header_len = struct.unpack_from("<I", blob, 12)[0]
    return blob[:8], blob[8:12], blob[16:16 + header_len].decode(), blob[16 + header_len:]


def join(magic, version, header, payload):
    h = header.encode()
    return magic + version + struct.pack("<I", len(h)) + h + payload


def with_key(header, key, value):
    return "\n".join(f"{key} {value}" if line.split(" ")[0] == key else line for line in header.split("\n"))


def write(name, data):
    with open(os.path.join(CORPUS, name), "wb") as f:
        f.write(data)


def main():
    good = open(os.path.join(CORPUS, "tiny-w4-f16.ctzm"), "rb").read()
    magic, version, header, payload = split(good)
    write("empty", b"")
    write("truncated-header.ctzm", good[:60])
    write("truncated-weights.ctzm", good[:-100])
    flipped = bytearray(good)
    flipped[len(good) - 500] ^= 0x10
    write("bit-flipped.ctzm", bytes(flipped))
    write("wrong-magic.ctzm", b"GIF89a" + good[6:])
    write("version-2.ctzm", magic + struct.pack("<I", 2) + good[12:])
    write("huge-header-length.ctzm", good[:12] + struct.pack("<I", 0xFFFFFFF0) + good[16:])
    write("huge-payload-bytes.ctzm", join(magic, version, with_key(header, "payload_bytes", 1 << 39), payload))
    write("huge-width.ctzm", join(magic, version, with_key(header, "width", 512), payload))
    # NaN in the first tensor's bytes, checksum recomputed so the NaN check is what refuses it.
    nan = bytearray(payload)
    nan[0:2] = struct.pack("<H", 0x7E00)
    nan_header = with_key(header, "payload_crc32", zlib.crc32(bytes(nan)))
    write("nan-weights.ctzm", join(magic, version, nan_header, bytes(nan)))

    import torch  # only for the TorchScript seeds

    class Negate(torch.nn.Module):
        def forward(self, x):
            return -x

    class Shrink(torch.nn.Module):
        def forward(self, x):
            return x[:, :1]

    torch.jit.script(Negate()).save(os.path.join(CORPUS, "negate.pt"),
                                    _extra_files={"cartoonize.txt": "normalization zero_one\ninput_size 64\n"})
    torch.jit.script(Shrink()).save(os.path.join(CORPUS, "wrong-shape.pt"))
    write_conv_seed(torch)


def write_conv_seed(torch):
    """A module with weights: its data.pkl names tensor storages (key, dtype,
    numel) that the loader checks against their data records."""
    torch.manual_seed(0)
    conv = torch.jit.script(torch.nn.Conv2d(3, 3, 1))
    conv.save(os.path.join(CORPUS, "conv1x1.pt"), _extra_files={"cartoonize.txt": "normalization zero_one\n"})


if __name__ == "__main__":
    main()
