"""Expected LLaVA-OneVision anyres_max token counts, computed independently of the Java code.

Follows the reference processor's `_get_number_of_features` / `_get_unpadded_features`
(transformers, LLaVA-OneVision) with the modeling code's `int(round(x, 7))` unpadding and
its `int(h // ratio)` downsample target, in plain Python floats exactly as the reference does.

Regenerate (from vision-service/):
    python3 src/test/python/anyres_token_counts.py > src/test/resources/fixtures/anyres-token-counts.json
"""

import json
import math

TILE = 384  # vision_config.image_size of VARCO-VISION-14B-HF
PATCH = 14  # vision_config.patch_size
MAX_PATCHES = 9  # vision_aspect_ratio "anyres_max_9"
PINPOINTS = [[i * TILE, j * TILE] for i in range(1, 7) for j in range(1, 7)]

SIZES = [  # (width, height)
    (1, 1), (1, 2), (2, 1), (13, 7), (50, 800), (100, 1000), (150, 150), (300, 4000),
    (333, 999), (336, 336), (383, 383), (384, 384), (385, 384), (384, 768), (500, 375),
    (512, 512), (640, 480), (720, 1280), (768, 384), (768, 768), (769, 769), (800, 600),
    (900, 1600), (999, 333), (1000, 1), (1024, 768), (1080, 1920), (1152, 768), (1152, 1152),
    (1200, 50), (1280, 720), (1536, 2304), (1600, 900), (1920, 1080), (1920, 1920), (2000, 100),
    (2048, 2048), (2304, 1536), (2304, 2304), (3024, 4032), (3840, 2160), (4000, 1), (1, 4000),
    (4000, 300), (4000, 3000), (4000, 4000), (4032, 3024), (7, 3000), (2304, 384), (384, 2304),
    (1151, 767), (6000, 400),
]


def best_resolution(height, width):
    best, best_effective, best_wasted = None, 0, float("inf")
    for ph, pw in PINPOINTS:
        scale = min(pw / width, ph / height)
        effective = min(int(width * scale) * int(height * scale), width * height)
        wasted = ph * pw - effective
        if effective > best_effective or (effective == best_effective and wasted < best_wasted):
            best, best_effective, best_wasted = (ph, pw), effective, wasted
    return best


def features(width, height):
    side = TILE // PATCH
    ph, pw = best_resolution(height, width)
    rows, cols = ph // TILE, pw // TILE
    cur_h, cur_w = side * rows, side * cols
    if width / height > cur_w / cur_h:
        new_h = int(round(height * (cur_w / width), 7))
        cur_h -= ((cur_h - new_h) // 2) * 2
    else:
        new_w = int(round(width * (cur_h / height), 7))
        cur_w -= ((cur_w - new_w) // 2) * 2
    unpadded_h, unpadded_w = cur_h, cur_w
    ratio = math.sqrt(cur_h * cur_w / (MAX_PATCHES * side**2))
    if ratio > 1.1:
        cur_h, cur_w = int(cur_h // ratio), int(cur_w // ratio)
    return {
        "width": width,
        "height": height,
        "pinpoint_height": ph,
        "pinpoint_width": pw,
        "unpadded_height": unpadded_h,
        "unpadded_width": unpadded_w,
        "packed_height": cur_h,
        "packed_width": cur_w,
        "tokens": side * side + cur_h * cur_w + cur_h,
    }


if __name__ == "__main__":
    print(json.dumps({
        "image_size": TILE,
        "patch_size": PATCH,
        "vision_aspect_ratio": f"anyres_max_{MAX_PATCHES}",
        "image_grid_pinpoints": PINPOINTS,
        "cases": [features(w, h) for w, h in SIZES],
    }, indent=1))
