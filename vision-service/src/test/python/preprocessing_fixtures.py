#!/usr/bin/python3
"""Reference anyres tiles for the Java preprocessing, computed with Pillow + numpy only.

Independent of the Java code: images are written with Pillow, loaded the way transformers'
`load_image` loads bytes (`ImageOps.exif_transpose`, then `convert("RGB")`), and cut the way
`LlavaOnevisionImageProcessor.get_image_patches` cuts them (select_best_resolution,
get_patch_output_size, PIL BICUBIC resize, zero padding with the odd pixel after, row-major
patches, then the whole image resized to one tile as the base). Pixels are kept as uint8, before
rescale/normalize.

Needs Debian's Pillow and numpy for the SYSTEM python (the fixtures were made with Pillow 9.4.0,
numpy 1.24.2):
    apt-get install -y python3-pil python3-numpy
Regenerate (from vision-service/):
    /usr/bin/python3 src/test/python/preprocessing_fixtures.py src/test/resources/fixtures

Writes <out>/images/* (the test images) and <out>/preprocessing/ (index.json and, per image,
<name>.rgb.zz: the loaded RGB image (small images only), <name>.tiles.zz: base tile then grid tiles, each
size x size x 3 uint8 row-major; both stored as zlib of the PNG "Sub" filter: every byte minus
the same channel of the pixel to its left, mod 256).
"""
import json
import math
import os
import sys
import zlib

import numpy as np
from PIL import Image, ImageOps, features

TILE = 384
# The loaded RGB image is stored too (it separates decoding from resampling differences), for small images only.
RGB_KEPT_UP_TO_PIXELS = 120_000
PINPOINTS = [[TILE * i, TILE * j] for i in range(1, 7) for j in range(1, 7)]  # [height, width]


def content(width, height, seed):
    """Smooth gradients with sharp edges and a noisy patch: compressible, yet it exercises the filter."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 127.5 + 127.5 * np.sin(x / max(width, 1) * 6.3 + seed)
    g = 255.0 * y / max(height - 1, 1)
    b = 127.5 + 127.5 * np.cos((x + y) / 23.0)
    rgb = np.stack([r, g, b], axis=-1)
    rgb[(x // 37 + y // 29) % 5 == 0] = [250, 20, 40]  # hard edges
    h0, w0 = height // 3, width // 3
    patch = rng.integers(0, 256, size=(max(height // 16, 1), max(width // 16, 1), 3))
    rgb[h0:h0 + patch.shape[0], w0:w0 + patch.shape[1]] = patch
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def make_images(directory):
    """Writes the test images and returns their file names; the whole set stays well under 2 MB."""
    os.makedirs(directory, exist_ok=True)
    made = []

    def add(name, image, **options):
        image.save(os.path.join(directory, name), **options)
        made.append(name)

    add("rgb-640x480.jpg", Image.fromarray(content(640, 480, 1)), quality=90)
    add("rgb-500x375.png", Image.fromarray(content(500, 375, 2)), optimize=True)
    rgba = np.dstack([content(300, 200, 3), np.tile(np.linspace(0, 255, 300).astype(np.uint8), (200, 1))])
    add("rgba-300x200.png", Image.fromarray(rgba, "RGBA"))
    add("grey-257x513.png", Image.fromarray(content(257, 513, 4)[:, :, 1], "L"))
    add("grey-alpha-99x77.png", Image.fromarray(content(99, 77, 5)[:, :, :2].copy(), "LA"))
    palette = Image.fromarray(content(200, 150, 6)).quantize(colors=64)
    add("palette-200x150.png", palette, transparency=0)
    # 16-bit grey: Pillow opens it as mode I and convert("RGB") clamps each value to 0..255.
    grey16 = (content(120, 90, 7)[:, :, 0].astype(np.uint32) * 3).astype(np.uint16)
    grey16_image = Image.new("I;16", (120, 90))
    grey16_image.frombytes(grey16.astype("<u2").tobytes(), "raw", "I;16")
    add("grey16-120x90.png", grey16_image)
    add("cmyk-160x120.jpg", Image.fromarray(content(160, 120, 8)).convert("CMYK"), quality=92)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: displayed rotated 90 degrees clockwise
    add("exif-orientation6-200x100.jpg", Image.fromarray(content(200, 100, 9)), quality=90, exif=exif.tobytes())
    exif[0x0112] = 3
    add("exif-orientation3-90x60.jpg", Image.fromarray(content(90, 60, 10)), quality=90, exif=exif.tobytes())
    exif[0x0112] = 8  # PNG eXIf chunk: load_image's exif_transpose applies it to PNGs as well
    add("exif-orientation8-80x50.png", Image.fromarray(content(80, 50, 15)), exif=exif.tobytes())
    add("tiny-1x1.png", Image.fromarray(np.array([[[200, 100, 50]]], dtype=np.uint8)))
    add("wide-1500x60.png", Image.fromarray(content(1500, 60, 11)), optimize=True)
    add("tall-50x1200.png", Image.fromarray(content(50, 1200, 12)), optimize=True)
    add("rgb-1000x700-q75.jpg", Image.fromarray(content(1000, 700, 13)), quality=75)
    add("odd-383x385.png", Image.fromarray(content(383, 385, 14)), optimize=True)
    return made


def load_image(path):
    """transformers.image_utils.load_image for a file: EXIF orientation applied, then convert("RGB")."""
    image = Image.open(path)
    image = ImageOps.exif_transpose(image)
    return image.convert("RGB")


def select_best_resolution(height, width):
    best, best_effective, least_wasted = None, 0, float("inf")
    for ph, pw in PINPOINTS:
        scale = min(pw / width, ph / height)
        effective = min(int(width * scale) * int(height * scale), width * height)
        wasted = pw * ph - effective
        if effective > best_effective or (effective == best_effective and wasted < least_wasted):
            best, best_effective, least_wasted = (ph, pw), effective, wasted
    return best


def patch_output_size(height, width, target_height, target_width):
    scale_w = target_width / width
    scale_h = target_height / height
    if scale_w < scale_h:
        return min(math.ceil(height * scale_w), target_height), target_width
    return target_height, min(math.ceil(width * scale_h), target_width)


def resize(array, height, width):
    """transformers.image_transforms.resize on uint8 HWC: a PIL round trip with BICUBIC."""
    return np.array(Image.fromarray(array).resize((width, height), resample=Image.BICUBIC))


def tiles(rgb):
    height, width = rgb.shape[:2]
    canvas_h, canvas_w = select_best_resolution(height, width)
    new_h, new_w = patch_output_size(height, width, canvas_h, canvas_w)
    resized = resize(rgb, new_h, new_w)
    top, extra_y = divmod(canvas_h - new_h, 2)
    left, extra_x = divmod(canvas_w - new_w, 2)
    padded = np.pad(resized, ((top, top + extra_y), (left, left + extra_x), (0, 0)), constant_values=0)
    patches = [padded[i:i + TILE, j:j + TILE] for i in range(0, canvas_h, TILE) for j in range(0, canvas_w, TILE)]
    base = resize(rgb, TILE, TILE)
    layout = {"canvas": [canvas_h, canvas_w], "resized": [new_h, new_w], "padding_top_left": [top, left]}
    return [base] + patches, layout


def packed(array):
    """uint8 HWC -> zlib of the PNG "Sub" filter (each byte minus the same channel one pixel left, mod 256)."""
    flat = array.astype(np.int16)
    delta = flat.copy()
    delta[:, 1:, :] -= flat[:, :-1, :]
    return zlib.compress((delta % 256).astype(np.uint8).tobytes(), 9)


def main(out):
    image_dir = os.path.join(out, "images")
    fixture_dir = os.path.join(out, "preprocessing")
    os.makedirs(fixture_dir, exist_ok=True)
    entries = []
    for name in make_images(image_dir):
        rgb = np.ascontiguousarray(load_image(os.path.join(image_dir, name)))
        tile_list, layout = tiles(rgb)
        stem = os.path.splitext(name)[0]
        keep_rgb = rgb.shape[0] * rgb.shape[1] <= RGB_KEPT_UP_TO_PIXELS
        if keep_rgb:
            with open(os.path.join(fixture_dir, stem + ".rgb.zz"), "wb") as f:
                f.write(packed(rgb))
        with open(os.path.join(fixture_dir, stem + ".tiles.zz"), "wb") as f:
            f.write(packed(np.concatenate(tile_list, axis=0)))
        with Image.open(os.path.join(image_dir, name)) as original:
            mode = original.mode
        entries.append({
            "image": "images/" + name,
            "pil_mode": mode,
            "width": int(rgb.shape[1]),
            "height": int(rgb.shape[0]),
            **layout,
            "tile_count": len(tile_list),
            "rgb": "preprocessing/" + stem + ".rgb.zz" if keep_rgb else None,
            "tiles": "preprocessing/" + stem + ".tiles.zz",
        })
    index = {
        "made_by": "src/test/python/preprocessing_fixtures.py",
        "pillow": Image.__version__,
        "libjpeg": features.version("jpg"),
        "numpy": np.__version__,
        "tile_size": TILE,
        "resample": "PIL.Image.BICUBIC",
        "images": entries,
    }
    with open(os.path.join(fixture_dir, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: preprocessing_fixtures.py <fixtures dir>")
    main(sys.argv[1])
