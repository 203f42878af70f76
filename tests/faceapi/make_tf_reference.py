#!/usr/bin/env python3
"""Reference outputs of the face-api.js networks computed with TensorFlow itself.

Writes tf_reference.txt, which test_faceapi.cpp compares the LibTorch port
against. TensorFlow is not a project dependency; this is only re-run when the
port or the weights change:  python3 -m venv /tmp/tf && /tmp/tf/bin/pip install
tensorflow-cpu && /tmp/tf/bin/python make_tf_reference.py SHARED_DATA_DIR

The graph is written from face-api.js's description in NHWC with TF's own
conv2d / separable_conv2d / pooling ('SAME' and 'VALID' exactly as tfjs uses
them) and weights read straight from the manifest, so it shares no code and
no layout conversion with the C++ port. Inputs are synthetic (a deterministic
pattern, see pattern()) so nothing under a restrictive licence is committed.
"""
import json
import pathlib
import sys

import numpy as np
import tensorflow as tf

MEAN = np.array([122.782, 117.001, 104.298], np.float32)


def load(manifest):
    groups = json.loads(manifest.read_text())
    out = {}
    for g in groups:
        data = b"".join((manifest.parent / p).read_bytes() for p in g["paths"])
        off = 0
        for w in g["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q:
                raw = np.frombuffer(data, np.uint8, n, off).astype(np.float32)
                v = raw * np.float32(q["scale"]) + np.float32(q["min"])
                off += n
            else:
                v = np.frombuffer(data, np.float32, n, off)
                off += 4 * n
            out[w["name"]] = tf.constant(v.reshape(w["shape"]), tf.float32)
    return out


def pattern(n, size):
    """NHWC float32 in [0, 255]; the C++ test builds the same values."""
    b, y, x, c = np.meshgrid(np.arange(n), np.arange(size), np.arange(size), np.arange(3), indexing="ij")
    v = 127.5 + 127.5 * np.sin(0.11 * x * (c + 1) + 0.07 * y + 1.3 * b) * np.cos(0.05 * y - 0.09 * x * (b + 1))
    return v.astype(np.float32)


def landmarks(w, img):
    def sep(x, p, s):
        return tf.nn.separable_conv2d(x, w[p + "depthwise_filter"], w[p + "pointwise_filter"],
                                      [1, s, s, 1], "SAME") + w[p + "bias"]

    def dense(x, i):
        p = f"dense{i}/"
        if i == 0:
            out1 = tf.nn.relu(tf.nn.conv2d(x, w[p + "conv0/filters"], 2, "SAME") + w[p + "conv0/bias"])
        else:
            out1 = tf.nn.relu(sep(x, p + "conv0/", 2))
        out2 = sep(out1, p + "conv1/", 1)
        out3 = sep(tf.nn.relu(out1 + out2), p + "conv2/", 1)
        out4 = sep(tf.nn.relu(out1 + out2 + out3), p + "conv3/", 1)
        return tf.nn.relu(out1 + out2 + out3 + out4)

    x = (img - MEAN) / 255.0
    for i in range(4):
        x = dense(x, i)
    x = tf.nn.avg_pool2d(x, 7, 2, "VALID")
    x = tf.reshape(x, [x.shape[0], -1])
    return (tf.matmul(x, w["fc/weights"]) + w["fc/bias"]) * 112.0


def recognition(w, img):
    def conv(x, p, stride, relu, padding="SAME"):
        out = tf.nn.conv2d(x, w[p + "/conv/filters"], stride, padding) + w[p + "/conv/bias"]
        out = out * w[p + "/scale/weights"] + w[p + "/scale/biases"]
        return tf.nn.relu(out) if relu else out

    def residual(x, p):
        out = conv(conv(x, p + "/conv1", 1, True), p + "/conv2", 1, False)
        return tf.nn.relu(out + x)

    def residual_down(x, p):
        out = conv(conv(x, p + "/conv1", 2, True, "VALID"), p + "/conv2", 1, False)
        pooled = tf.nn.avg_pool2d(x, 2, 2, "VALID")
        if pooled.shape[1] != out.shape[1] or pooled.shape[2] != out.shape[2]:
            out = tf.pad(out, [[0, 0], [0, pooled.shape[1] - out.shape[1]], [0, pooled.shape[2] - out.shape[2]], [0, 0]])
        if pooled.shape[3] != out.shape[3]:
            pooled = tf.concat([pooled, tf.zeros_like(pooled)], 3)
        return tf.nn.relu(pooled + out)

    x = (img - MEAN) / 256.0
    x = conv(x, "conv32_down", 2, True, "VALID")
    x = tf.nn.max_pool2d(x, 3, 2, "VALID")
    for p in ["conv32_1", "conv32_2", "conv32_3"]:
        x = residual(x, p)
    x = residual_down(x, "conv64_down")
    for p in ["conv64_1", "conv64_2", "conv64_3"]:
        x = residual(x, p)
    x = residual_down(x, "conv128_down")
    for p in ["conv128_1", "conv128_2"]:
        x = residual(x, p)
    x = residual_down(x, "conv256_down")
    for p in ["conv256_1", "conv256_2"]:
        x = residual(x, p)
    x = residual_down(x, "conv256_down_out")
    return tf.matmul(tf.reduce_mean(x, [1, 2]), w["fc"])


TINY_MEAN = np.array([117.001, 114.697, 97.404], np.float32)


def tiny_face_detector(w, img):
    """face-api's TinyFaceDetector head (NHWC out, before decoding)."""
    def leaky(x):
        return tf.maximum(x, 0.1 * x)

    def sep(x, p):
        x = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
        return leaky(tf.nn.separable_conv2d(x, w[p + "/depthwise_filter"], w[p + "/pointwise_filter"],
                                            [1, 1, 1, 1], "VALID") + w[p + "/bias"])

    x = (img - TINY_MEAN) / 256.0
    x = leaky(tf.nn.conv2d(x, w["conv0/filters"], 1, "VALID") + w["conv0/bias"])
    x = tf.nn.max_pool2d(x, 2, 2, "SAME")
    for i in range(1, 6):
        x = tf.nn.max_pool2d(sep(x, f"conv{i}"), 2, 2 if i < 5 else 1, "SAME")
    return tf.nn.conv2d(x, w["conv8/filters"], 1, "VALID") + w["conv8/bias"]


def main():
    models = pathlib.Path(sys.argv[1]) / "models" / "face-api"
    lm = landmarks(load(models / "face_landmark_68_model-weights_manifest.json"), pattern(2, 112)).numpy()
    rec = recognition(load(models / "face_recognition_model-weights_manifest.json"), pattern(2, 150)).numpy()
    tiny_w = load(models / "tiny_face_detector_model-weights_manifest.json")
    # Head outputs as C × H × W (the port's NCHW order), square and wide input.
    tiny416 = tiny_face_detector(tiny_w, pattern(1, 416)).numpy().transpose(0, 3, 1, 2).reshape(1, -1)
    tiny_wide = tiny_face_detector(tiny_w, pattern(1, 320)[:, :224]).numpy().transpose(0, 3, 1, 2).reshape(1, -1)
    lines = ["# TensorFlow outputs for the synthetic pattern (make_tf_reference.py), one batch item per line",
             "# landmarks: 136 values (x0 y0 x1 y1 ...) in 112x112 pixels; recognition: 128 values",
             "# tiny416 / tiny224x320: tiny face detector head, 25 x H/32 x W/32 values"]
    for name, arr in (("landmarks", lm), ("recognition", rec), ("tiny416", tiny416), ("tiny224x320", tiny_wide)):
        for row in arr:
            lines.append(name + " " + " ".join(f"{v:.7g}" for v in row))
    out = pathlib.Path(__file__).with_name("tf_reference.txt")
    out.write_text("\n".join(lines) + "\n")
    print("wrote", out, lm.shape, rec.shape)


if __name__ == "__main__":
    main()
