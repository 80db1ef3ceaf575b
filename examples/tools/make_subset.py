"""Cuts the Fashion-MNIST subset the examples ship with out of Debian's dataset-fashion-mnist.

  /usr/bin/python3 examples/tools/make_subset.py
writes the first 6,000 training and 1,000 test images (and labels), as gzipped IDX files, into
examples/src/main/resources/io/nnviz/examples/fashion-mnist/. Fashion-MNIST is (c) Zalando SE, MIT licence
(see LICENSE in that folder).
"""
import gzip
import os
import struct

SRC = "/usr/share/datasets/fashion-mnist"
DST = os.path.join(os.path.dirname(__file__), "..", "src", "main", "resources", "io", "nnviz", "examples", "fashion-mnist")


def cut(prefix, n):
    with gzip.open(os.path.join(SRC, prefix + "-images-idx3-ubyte.gz")) as f:
        magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
        pixels = f.read(n * rows * cols)
    write(prefix + "-images-idx3-ubyte.gz", struct.pack(">IIII", magic, n, rows, cols) + pixels)
    with gzip.open(os.path.join(SRC, prefix + "-labels-idx1-ubyte.gz")) as f:
        magic, count = struct.unpack(">II", f.read(8))
        labels = f.read(n)
    write(prefix + "-labels-idx1-ubyte.gz", struct.pack(">II", magic, n) + labels)


def write(name, data):
    # a fixed mtime keeps the files byte-identical between runs
    with open(os.path.join(DST, name), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
            f.write(data)


if __name__ == "__main__":
    os.makedirs(DST, exist_ok=True)
    cut("train", 6000)
    cut("t10k", 1000)
