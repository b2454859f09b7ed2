"""Expected output of torch.nn.functional.interpolate(mode="bilinear", align_corners=False)
for a small feature grid, written with numpy only (no torch here), independently of the Java code.

torch's rule for an explicit output size: scale = in / out (float32), source coordinate
src = scale * (dst + 0.5) - 0.5 clamped below at 0, low = floor(src), high = min(low + 1, in - 1),
weights (1 - frac, frac); applied separably over height and width.

Regenerate (from vision-service/):
    python3 src/test/python/bilinear_downsample.py > src/test/resources/fixtures/bilinear-downsample.json
"""

import json

import numpy as np


def axis(in_size, out_size):
    scale = np.float32(in_size) / np.float32(out_size)
    src = scale * (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) - np.float32(0.5)
    src = np.maximum(src, np.float32(0))
    low = np.floor(src).astype(np.int64)
    high = np.minimum(low + 1, in_size - 1)
    frac = (src - low.astype(np.float32)).astype(np.float32)
    return low, high, frac


def interpolate(grid, out_h, out_w):
    """grid: [H, W, C] -> [out_h, out_w, C]."""
    in_h, in_w, _ = grid.shape
    y0, y1, fy = axis(in_h, out_h)
    x0, x1, fx = axis(in_w, out_w)
    g = grid.astype(np.float64)
    top = g[y0][:, x0] * (1 - fx)[None, :, None] + g[y0][:, x1] * fx[None, :, None]
    bottom = g[y1][:, x0] * (1 - fx)[None, :, None] + g[y1][:, x1] * fx[None, :, None]
    return top * (1 - fy)[:, None, None] + bottom * fy[:, None, None]


if __name__ == "__main__":
    rng = np.random.default_rng(20241126)
    height, width, channels = 11, 13, 3
    grid = np.round(rng.uniform(-2, 2, size=(height, width, channels)), 4).astype(np.float32)
    targets = [(5, 6), (7, 9), (10, 12), (3, 3), (1, 1), (11, 13), (4, 13), (9, 5)]
    print(json.dumps({
        "height": height,
        "width": width,
        "channels": channels,
        "grid": [float(v) for v in grid.reshape(-1)],
        "cases": [
            {"height": h, "width": w, "values": [round(float(v), 7) for v in interpolate(grid, h, w).reshape(-1)]}
            for h, w in targets
        ],
    }))
