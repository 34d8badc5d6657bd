#!/usr/bin/env python3
"""Writes Fashion-MNIST's training set as CSV and as a PNG folder, for `sparkcnn bench data`.

    /usr/bin/python3 docs/bench/fashion_mnist_copies.py /usr/share/datasets/fashion-mnist /tmp/fm

gives /tmp/fm/train.csv (a header, then label and 784 pixels per line) and /tmp/fm/png/<label>/<index>.png
(8-bit grey PNGs), from the IDX files alone (Python's standard library, no image package).
"""
import gzip
import os
import struct
import sys
import zlib


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def png(width, height, pixels):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\0" + pixels[r * width:(r + 1) * width] for r in range(height))  # filter type 0 per row
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def main(src, out):
    (n, h, w), images = idx(os.path.join(src, "train-images-idx3-ubyte.gz"))
    _, labels = idx(os.path.join(src, "train-labels-idx1-ubyte.gz"))
    size = h * w
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "train.csv"), "w") as csv:
        csv.write("label," + ",".join("p%d" % i for i in range(size)) + "\n")
        for i in range(n):
            csv.write("%d,%s\n" % (labels[i], ",".join(map(str, images[i * size:(i + 1) * size]))))
    for c in range(10):
        os.makedirs(os.path.join(out, "png", str(c)), exist_ok=True)
    for i in range(n):
        with open(os.path.join(out, "png", str(labels[i]), "%05d.png" % i), "wb") as f:
            f.write(png(w, h, images[i * size:(i + 1) * size]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
