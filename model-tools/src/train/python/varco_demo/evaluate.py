"""Held-out accuracy in Python (greedy, single-turn, the prompt exactly as the gateway sends it).

    python -m varco_demo.evaluate --checkpoint DIR [--scenes 50]

Scores per kind: exact answer for colour/shape/count/referring/read; grounding and describe:
share of objects whose predicted box (matched by phrase) has IoU >= 0.5; ocr: share of lines
read exactly (text and order) with IoU >= 0.5.
"""
import argparse
import json
import re

import torch

from .synth import HELD_OUT_SEED_BASE, sample

BOX = re.compile(r"<(obj|char)>(.*?)</\1><bbox>([^<]*)</bbox>")


def parse_boxes(text):
    out = []
    for _, phrase, body in BOX.findall(text):
        try:
            vals = [float(v) for v in body.split(",")]
        except ValueError:
            continue
        if len(vals) == 4:
            out.append((phrase, vals))
    return out


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def score(kind, answer, truth):
    """(hits, total) for one question."""
    if kind in ("grounding", "describe", "ocr"):
        want = parse_boxes(truth)
        got = dict(parse_boxes(answer))
        hits = sum(1 for phrase, box in want if phrase in got and iou(got[phrase], box) >= 0.5)
        return hits, len(want)
    return int(answer.strip() == truth), 1


@torch.no_grad()
def generate(model, proc, image, prompt, max_new_tokens=96):
    text = "<|im_start|>user\n<image>\n" + prompt + "<|im_end|>\n<|im_start|>assistant\n"
    pixel_values, image_sizes = proc.image_inputs([image])
    n = proc.image_token_count(image_sizes[0], pixel_values[0])
    ids = torch.tensor([proc.encode(proc.expand(text, n))])
    out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=pixel_values,
                         image_sizes=image_sizes, max_new_tokens=max_new_tokens, do_sample=False,
                         eos_token_id=[151645, 151643], pad_token_id=151643)
    return proc.tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)


def evaluate(model, proc, seeds, per_scene=4, samples=None):
    totals = {}
    for seed in seeds:
        img, _, _, qs = sample(seed)
        for kind, q, a in qs[:per_scene]:
            answer = generate(model, proc, img, q)
            h, t = score(kind, answer, a)
            hh, tt = totals.get(kind, (0, 0))
            totals[kind] = (hh + h, tt + t)
            if samples is not None:
                samples.append({"seed": seed, "kind": kind, "prompt": q, "truth": a, "answer": answer})
    return {k: {"hits": h, "total": t, "acc": round(h / t, 3) if t else None} for k, (h, t) in sorted(totals.items())}


def main():
    from transformers import LlavaOnevisionForConditionalGeneration
    from .processing import ImageTextProcessor
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--scenes", type=int, default=50)
    ap.add_argument("--per-scene", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--samples", help="write every prompt/answer here (jsonl)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    proc = ImageTextProcessor(args.checkpoint)
    model = LlavaOnevisionForConditionalGeneration.from_pretrained(args.checkpoint, torch_dtype=torch.float32).eval()
    samples = []
    scores = evaluate(model, proc, range(HELD_OUT_SEED_BASE, HELD_OUT_SEED_BASE + args.scenes), args.per_scene, samples)
    if args.samples:
        with open(args.samples, "w") as f:
            for s in samples:
                f.write(json.dumps(s, ensure_ascii=False) + "\n")
    print(json.dumps(scores, indent=1))


if __name__ == "__main__":
    main()
