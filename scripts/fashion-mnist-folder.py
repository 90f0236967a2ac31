#!/usr/bin/env python3
"""Fashion-MNIST as an image folder: OUT/train/<class>/*.png and OUT/test/<class>/*.png, the
first TRAIN and TEST images of each split as 28×28 gray PNGs (standard library only).

    scripts/fashion-mnist-folder.py OUT TRAIN TEST

Loupe resizes and converts an image folder to any model's input, so this is how the README
probes EfficientNet-Lite0 (224 px RGB) on Fashion-MNIST: `loupe probe --model
efficientnet-lite0 --data OUT`."""
import gzip, os, struct, sys, zlib
SRC = "/usr/share/datasets/fashion-mnist"
CLASSES = ["T-shirt-top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
def idx(path):
    data = gzip.open(path).read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]
def png(path, pixels, w, h):
    raw = b"".join(b"\0" + pixels[r * w:(r + 1) * w] for r in range(h))
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
out, counts = sys.argv[1], {"train": int(sys.argv[2]), "test": int(sys.argv[3])}
for split, prefix in [("train", "train"), ("test", "t10k")]:
    (n, h, w), images = idx(f"{SRC}/{prefix}-images-idx3-ubyte.gz")
    _, labels = idx(f"{SRC}/{prefix}-labels-idx1-ubyte.gz")
    for i in range(counts[split]):
        d = os.path.join(out, split, CLASSES[labels[i]])
        os.makedirs(d, exist_ok=True)
        png(os.path.join(d, f"{i:05d}.png"), images[i * h * w:(i + 1) * h * w], w, h)
