"""Synthetic bilingual scenes and questions for the demo model.

A scene is a 384x384 canvas on a light background with 1-3 coloured shapes (each colour+shape
pair at most once) and 0-2 lines of Korean or English text, nothing overlapping. Every question
is asked in the exact form the gateway sends (see TaskPrompt / NormalizedBox in the gateway):
  grounding  "<gro>\n" + request           -> "<obj>phrase</obj><bbox>x1, y1, x2, y2</bbox>"
  ocr        "<ocr>"                          -> one "<char>line</char><bbox>..</bbox>" a line
  referring  "<obj>phrase</obj><bbox>..</bbox>" + request (phrase given) or
             "<obj>이 물건|this object</obj><bbox>..</bbox>\n" + request (no phrase)
Boxes are fractions of the image, each printed like Python's str(round(v, 3)).
"""
import random

from PIL import Image, ImageDraw, ImageFont

SIZE = 384
HELD_OUT_SEED_BASE = 10_000_000  # training scenes use seeds below it, held-out ones from it
FONT = "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"

COLOURS = [  # (english, korean, rgb)
    ("red", "빨간색", (220, 40, 40)),
    ("green", "초록색", (40, 160, 60)),
    ("blue", "파란색", (40, 80, 220)),
    ("yellow", "노란색", (235, 200, 30)),
    ("purple", "보라색", (140, 60, 180)),
    ("orange", "주황색", (245, 135, 25)),
]
SHAPES = [("circle", "원"), ("square", "사각형"), ("triangle", "삼각형"), ("star", "별")]
WORDS = ["CAT", "DOG", "SUN", "MILK", "BOOK", "TREE", "RAIN", "STOP", "OPEN", "FISH", "BIRD", "MOON",
         "고양이", "강아지", "사과", "바다", "하늘", "학교", "우유", "나무", "가방", "시계", "안녕", "사랑"]

_fonts = {}


def font(size):
    if size not in _fonts:
        _fonts[size] = ImageFont.truetype(FONT, size)
    return _fonts[size]


def fmt(v):
    return str(round(v, 3))


def box_text(box):
    x1, y1, x2, y2 = box
    return ", ".join(fmt(v) for v in (x1 / SIZE, y1 / SIZE, x2 / SIZE, y2 / SIZE))


def _free(box, taken, margin=8):
    x1, y1, x2, y2 = box
    return all(x2 + margin <= a or b + margin <= x1 or y2 + margin <= c or d + margin <= y1
               for a, c, b, d in taken)


def _place(rng, taken, size):
    """A free box of size() (drawn anew for each of 50 tries) at a random spot, or None."""
    for _ in range(50):
        w, h = size()
        x, y = rng.randint(4, SIZE - w - 4), rng.randint(4, SIZE - h - 4)
        box = (x, y, x + w, y + h)
        if _free(box, taken):
            return box
    return None


def make_scene(rng):
    """Returns (PIL image, shapes, texts); shapes/texts carry pixel boxes."""
    bg = tuple(rng.randint(225, 255) for _ in range(3))
    img = Image.new("RGB", (SIZE, SIZE), bg)
    draw = ImageDraw.Draw(img)
    taken, shapes, texts = [], [], []
    pairs = [(c, s) for c in range(len(COLOURS)) for s in range(len(SHAPES))]
    rng.shuffle(pairs)
    def square():
        side = rng.randint(72, 140)
        return side, side

    for c, s in pairs[:rng.randint(1, 3)]:
        box = _place(rng, taken, square)
        if box is None:
            continue
        _draw_shape(draw, SHAPES[s][0], box, COLOURS[c][2])
        taken.append(box)
        shapes.append({"colour": c, "shape": s, "box": box})
    for _ in range(rng.choice([0, 1, 1, 2])):
        word = rng.choice(WORDS)
        f = font(rng.randint(28, 44))
        l, t, r, b = f.getbbox(word)
        box = _place(rng, taken, lambda: (r - l, b - t))
        if box is None:
            continue
        x, y = box[:2]
        ink = tuple(rng.randint(0, 60) for _ in range(3))
        draw.text((x - l, y - t), word, font=f, fill=ink)
        taken.append(box)
        texts.append({"text": word, "box": box})
    return img, shapes, texts


def _draw_shape(draw, name, box, rgb):
    x1, y1, x2, y2 = box
    if name == "circle":
        draw.ellipse(box, fill=rgb)
    elif name == "square":
        draw.rectangle((x1, y1, x2 - 1, y2 - 1), fill=rgb)
    elif name == "triangle":
        draw.polygon([((x1 + x2) / 2, y1), (x2, y2), (x1, y2)], fill=rgb)
    else:  # five-pointed star touching all four sides of its box
        import math
        cx, r = (x1 + x2) / 2, (x2 - x1) / 2
        pts = [(cx + (r if i % 2 == 0 else r * 0.45) * math.sin(i * math.pi / 5),
                (r if i % 2 == 0 else r * 0.45) * -math.cos(i * math.pi / 5)) for i in range(10)]
        top = min(p[1] for p in pts)
        bottom = max(p[1] for p in pts)
        scale = (y2 - y1) / (bottom - top)
        draw.polygon([(px, y1 + (py - top) * scale) for px, py in pts], fill=rgb)


def _name(obj, ko):
    c, s = COLOURS[obj["colour"]], SHAPES[obj["shape"]]
    return f"{c[1]} {s[1]}" if ko else f"{c[0]} {s[0]}"


def _jitter(rng, box):
    x1, y1, x2, y2 = box
    dx, dy = (x2 - x1) * 0.06, (y2 - y1) * 0.06
    j = lambda v, d, lo, hi: min(hi, max(lo, v + rng.uniform(-d, d)))
    nx1, ny1 = j(x1, dx, 0, SIZE - 2), j(y1, dy, 0, SIZE - 2)
    return (nx1, ny1, j(x2, dx, nx1 + 2, SIZE), j(y2, dy, ny1 + 2, SIZE))


def questions(rng, shapes, texts):
    """Every applicable (kind, prompt, answer), in both languages; kinds are scored separately."""
    qs = []
    shape_counts = {}
    colour_counts = {}
    for o in shapes:
        shape_counts[o["shape"]] = shape_counts.get(o["shape"], 0) + 1
        colour_counts[o["colour"]] = colour_counts.get(o["colour"], 0) + 1
    n = len(shapes)
    qs.append(("count", "How many shapes are there?", str(n)))
    qs.append(("count", "도형이 몇 개 있어?", f"{n}개"))
    for o in shapes:
        c, s = COLOURS[o["colour"]], SHAPES[o["shape"]]
        if shape_counts[o["shape"]] == 1:
            qs.append(("colour", f"What colour is the {s[0]}?", c[0]))
            qs.append(("colour", f"{s[1]}은 무슨 색이야?", c[1]))
        if colour_counts[o["colour"]] == 1:
            qs.append(("shape", f"What shape is the {c[0]} object?", s[0]))
            qs.append(("shape", f"{c[1]} 도형은 무슨 모양이야?", s[1]))
        bt = box_text(o["box"])
        qs.append(("grounding", f"<gro>\nFind the {_name(o, False)}.", f"<obj>{_name(o, False)}</obj><bbox>{bt}</bbox>"))
        qs.append(("grounding", f"<gro>\n{_name(o, True)}을 찾아줘.", f"<obj>{_name(o, True)}</obj><bbox>{bt}</bbox>"))
        rb = box_text(_jitter(rng, o["box"]))
        qs.append(("referring", f"<obj>this object</obj><bbox>{rb}</bbox>\nWhat is this?", _name(o, False)))
        qs.append(("referring", f"<obj>이 물건</obj><bbox>{rb}</bbox>\n이게 뭐야?", _name(o, True)))
        qs.append(("referring", f"<obj>this shape</obj><bbox>{rb}</bbox>: what colour is it?", c[0]))
        qs.append(("referring", f"<obj>이 도형</obj><bbox>{rb}</bbox>은 무슨 색이야?", c[1]))
    if shapes:
        ordered = sorted(shapes, key=lambda o: o["box"][0])
        en = ", ".join(f"<obj>{_name(o, False)}</obj><bbox>{box_text(o['box'])}</bbox>" for o in ordered)
        ko = ", ".join(f"<obj>{_name(o, True)}</obj><bbox>{box_text(o['box'])}</bbox>" for o in ordered)
        qs.append(("describe", "<gro>\nDescribe the image.", f"The image shows {en}."))
        qs.append(("describe", "<gro>\n이미지를 설명해 주세요.", f"이미지에는 {ko}이 있습니다."))
    if texts:
        lines = sorted(texts, key=lambda t: (t["box"][1], t["box"][0]))
        qs.append(("ocr", "<ocr>", "\n".join(f"<char>{t['text']}</char><bbox>{box_text(t['box'])}</bbox>" for t in lines)))
        if len(texts) == 1:
            qs.append(("read", "What does the text say?", texts[0]["text"]))
            qs.append(("read", "글자는 뭐라고 써 있어?", texts[0]["text"]))
        for t in texts:
            rb = box_text(_jitter(rng, t["box"]))
            qs.append(("read", f"<obj>this object</obj><bbox>{rb}</bbox>\nWhat does it say?", t["text"]))
            qs.append(("read", f"<obj>이 물건</obj><bbox>{rb}</bbox>\n뭐라고 써 있어?", t["text"]))
    return qs


def sample(seed):
    """One scene and its shuffled questions, deterministic in seed."""
    rng = random.Random(seed)
    img, shapes, texts = make_scene(rng)
    qs = questions(rng, shapes, texts)
    rng.shuffle(qs)
    return img, shapes, texts, qs
