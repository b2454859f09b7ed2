"""Trains the demo LLaVA-OneVision model on synthetic bilingual scenes, on CPU, by hand.

    python -m varco_demo.train_demo --base TINY_HF_DIR --out OUT_DIR [--minutes 70] [--seed 17]

TINY_HF_DIR is `java -jar model-tools/target/varco-model-tools-*.jar generate-tiny --out DIR`:
its tokenizer, chat template, processor files and config schema are reused. Writes
OUT_DIR/checkpoint-<step>/ (bf16, the published Hugging Face layout: export.py) every --save-minutes and at the end,
and OUT_DIR/log.jsonl (loss, held-out accuracy per checkpoint).
"""
import argparse
import json
import math
import os
import random
import time

import torch
import torch.nn.functional as F
from transformers import LlavaOnevisionForConditionalGeneration

from .evaluate import evaluate
from .export import write_published
from .model import DIMS, demo_config
from .processing import ImageTextProcessor
from .synth import HELD_OUT_SEED_BASE, sample


def conversation(proc, qs, turns, image_tokens):
    """ids and labels for one scene: several question/answer turns; only answers are learned."""
    ids, labels, text = [], [], ""
    for i, (_, q, a) in enumerate(qs[:turns]):
        prompt = ("<|im_start|>user\n<image>\n" if i == 0 else "<|im_start|>user\n") + q + "<|im_end|>\n<|im_start|>assistant\n"
        target = a + "<|im_end|>"
        text += prompt + target + "\n"
        p = proc.encode(proc.expand(prompt, image_tokens) if i == 0 else prompt)
        t = proc.encode(target)
        n = proc.encode("\n")
        ids += p + t + n
        labels += [-100] * len(p) + t + [-100] * len(n)
    return ids, labels, text


def batch(proc, seeds, turns):
    images, rows = [], []
    for s in seeds:
        img, _, _, qs = sample(s)
        images.append(img)
        rows.append(qs)
    pixel_values, image_sizes = proc.image_inputs(images)
    seqs = []
    for k, qs in enumerate(rows):
        n = proc.image_token_count(image_sizes[k], pixel_values[k])
        seqs.append(conversation(proc, qs, turns, n)[:2])
    width = max(len(i) for i, _ in seqs)
    pad = proc.tokenizer.pad_token_id
    input_ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    labels = torch.full((len(seqs), width), -100, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for k, (i, l) in enumerate(seqs):
        input_ids[k, :len(i)] = torch.tensor(i)
        labels[k, :len(l)] = torch.tensor(l)
        mask[k, :len(i)] = 1
    return input_ids, mask, labels, pixel_values, image_sizes


def candidate_tokens(proc, scenes=2000):
    """Every token id the synthetic prompts and answers use, plus the end-of-turn tokens."""
    ids = set(proc.tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"]))
    for seed in range(HELD_OUT_SEED_BASE - scenes, HELD_OUT_SEED_BASE):
        for _, q, a in sample(seed)[3]:
            ids.update(proc.encode(q))
            ids.update(proc.encode(a))
    return torch.tensor(sorted(ids))


def loss_of(model, candidates, negatives, input_ids, mask, labels, pixel_values, image_sizes):
    # Logits only where an answer token is predicted, and only over the tokens the data uses plus
    # a fresh random sample of the rest of the vocabulary each step (sampled softmax): the full
    # 152k-wide lm_head costs more than the rest of the step on a model this small. The
    # embeddings are tied, so rows that never win stay at their small random init.
    hidden = model.model(input_ids=input_ids, attention_mask=mask, pixel_values=pixel_values,
                         image_sizes=image_sizes).last_hidden_state
    target = labels[:, 1:]
    keep = target != -100
    vocab = model.lm_head.weight.shape[0]
    others = torch.randint(0, vocab, (negatives,))
    others = others[~torch.isin(others, candidates)]
    rows = torch.cat([candidates, others])
    logits = hidden[:, :-1][keep] @ model.lm_head.weight[rows].T
    position = torch.searchsorted(candidates, target[keep]).clamp(max=len(candidates) - 1)
    if not torch.equal(candidates[position], target[keep]):
        raise ValueError("an answer token is not among the candidate tokens")
    return F.cross_entropy(logits.float(), position)


def save(model, base, out_dir, step):
    path = os.path.join(out_dir, f"checkpoint-{step:06d}")
    write_published(model, base, path)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=70)
    ap.add_argument("--save-minutes", type=float, default=15)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--turns", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--eval-scenes", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--negatives", type=int, default=2048, help="random vocabulary rows in each step's softmax")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    proc = ImageTextProcessor(args.base)
    # the piecewise encoding must equal the chat template's rendering
    _, _, _, qs = sample(0)
    _, _, text = conversation(proc, qs, 3, 1)
    msgs = []
    for i, (_, q, a) in enumerate(qs[:3]):
        msgs.append({"role": "user", "content": ([{"type": "image"}] if i == 0 else []) + [{"type": "text", "text": q}]})
        msgs.append({"role": "assistant", "content": [{"type": "text", "text": a}]})
    assert text == proc.chat_text(msgs), (text, proc.chat_text(msgs))

    candidates = candidate_tokens(proc)
    model = LlavaOnevisionForConditionalGeneration(demo_config(args.base))
    model.train()
    params = sum(p.numel() for p in model.parameters())
    log = open(os.path.join(args.out, "log.jsonl"), "a")
    log.write(json.dumps({"event": "start", "params": params, "candidates": len(candidates), "dims": DIMS, "args": vars(args)}) + "\n")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    start = last_save = time.time()
    # warmup in steps, then cosine decay over the wall-clock budget (the step rate is unknown
    # on a shared machine), to 5% of the peak
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / args.warmup) * max(
        0.05, 0.5 * (1 + math.cos(math.pi * min(1.0, (time.time() - start) / (args.minutes * 60))))))
    seed_rng = random.Random(args.seed)
    step, ema = 0, None
    while True:
        seeds = [seed_rng.randrange(HELD_OUT_SEED_BASE) for _ in range(args.batch)]
        loss = loss_of(model, candidates, args.negatives, *batch(proc, seeds, args.turns))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        ema = loss.item() if ema is None else 0.95 * ema + 0.05 * loss.item()
        elapsed = time.time() - start
        if step % 10 == 0:
            log.write(json.dumps({"step": step, "loss": round(loss.item(), 4), "ema": round(ema, 4),
                                  "lr": sched.get_last_lr()[0], "minutes": round(elapsed / 60, 2)}) + "\n")
            log.flush()
        done = elapsed > args.minutes * 60
        if done or time.time() - last_save > args.save_minutes * 60:
            path = save(model, args.base, args.out, step)
            model.eval()
            scores = evaluate(model, proc, range(HELD_OUT_SEED_BASE, HELD_OUT_SEED_BASE + args.eval_scenes))
            model.train()
            log.write(json.dumps({"checkpoint": path, "step": step, "minutes": round(elapsed / 60, 2), "held_out": scores}) + "\n")
            log.flush()
            last_save = time.time()
        if done:
            break


if __name__ == "__main__":
    main()
