"""Held-out accuracy through a running stack's OpenAI API (the gateway), not through Python.

    python -m varco_demo.api_eval --base-url http://127.0.0.1:8080 [--scenes 50] [--per-scene 6]

Each synthetic question is sent the way a client sends it: grounding and OCR as
varco_task {"type": "grounding"|"ocr"}, referring as varco_task {"type": "referring", "box":
normalized, "phrase": given or left to the gateway's default}, the rest as plain text, so the
gateway builds exactly the prompt the model was trained on. Greedy (temperature 0). Scored as
evaluate.py scores the Python side.
"""
import argparse
import base64
import io
import json
import re
import urllib.request

from .evaluate import score
from .synth import HELD_OUT_SEED_BASE, sample

REGION = re.compile(r"^<obj>(.*?)</obj><bbox>([^<]*)</bbox>(.*)$", re.S)
DEFAULT_PHRASES = ("this object", "이 물건")


def request_body(image, prompt):
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    task, text = None, prompt
    if prompt == "<ocr>":
        task, text = {"type": "ocr"}, None
    elif prompt.startswith("<gro>\n"):
        task, text = {"type": "grounding"}, prompt[len("<gro>\n"):]
    elif prompt.startswith("<obj>"):
        phrase, box, rest = REGION.match(prompt).groups()
        x1, y1, x2, y2 = (float(v) for v in box.split(","))
        task = {"type": "referring", "box": {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "units": "normalized"}}
        if phrase in DEFAULT_PHRASES and rest.startswith("\n"):
            text = rest[1:]
        else:
            task["phrase"], text = phrase, rest
    content = [{"type": "image_url", "image_url": {"url": url}}]
    if text is not None:
        content.append({"type": "text", "text": text})
    body = {"messages": [{"role": "user", "content": content}], "temperature": 0, "max_tokens": 96}
    if task:
        body["varco_task"] = task
    return body


def ask(base_url, body, timeout):
    req = urllib.request.Request(base_url.rstrip("/") + "/v1/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.load(resp)["choices"][0]["message"]["content"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", default="http://127.0.0.1:8080")
    ap.add_argument("--scenes", type=int, default=50)
    ap.add_argument("--per-scene", type=int, default=6)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--samples", help="write every prompt/answer here (jsonl)")
    args = ap.parse_args()
    totals, rows = {}, []
    for seed in range(HELD_OUT_SEED_BASE, HELD_OUT_SEED_BASE + args.scenes):
        img, _, _, qs = sample(seed)
        for kind, q, a in qs[:args.per_scene]:
            answer = ask(args.base_url, request_body(img, q), args.timeout)
            h, t = score(kind, answer, a)
            hh, tt = totals.get(kind, (0, 0))
            totals[kind] = (hh + h, tt + t)
            rows.append({"seed": seed, "kind": kind, "prompt": q, "truth": a, "answer": answer})
    if args.samples:
        with open(args.samples, "w") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(json.dumps({k: {"hits": h, "total": t, "acc": round(h / t, 3) if t else None}
                      for k, (h, t) in sorted(totals.items())}, indent=1))


if __name__ == "__main__":
    main()
