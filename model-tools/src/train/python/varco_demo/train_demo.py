"""Trains the demo LLaVA-OneVision model on synthetic bilingual scenes, on CPU, by hand.

    python -m varco_demo.train_demo --base TINY_HF_DIR --out OUT_DIR --steps 20000 [--seed 17]
    python -m varco_demo.train_demo --base TINY_HF_DIR --out OUT_DIR --steps 9000 --resume

TINY_HF_DIR is `java -jar model-tools/target/varco-model-tools-*.jar generate-tiny --out DIR`:
its tokenizer, chat template, processor files and config schema are reused. Every
--save-every steps (and at the end) writes OUT_DIR/checkpoint-<step>/ (bf16, the published
Hugging Face layout: export.py), OUT_DIR/state.pt (what --resume continues from: weights,
optimizer, data position) and a line in OUT_DIR/log.jsonl with held-out exact-answer accuracy.

The schedule is in steps, never in wall-clock time (a shared machine's speed varies tenfold):
linear warmup, constant, then linear decay to --lr-floor over the last --decay-steps of
--steps. A run stopped in the constant phase can be resumed with a smaller --steps to decay
from where it is. The first --easy-steps scenes ask only colour, shape and count questions
(short answers that need the picture and nothing else); after that every kind, except that
a share --easy-share of the scenes keeps asking only those.
"""
import argparse
import json
import os
import random
import time

import torch
import torch.nn.functional as F
from transformers import LlavaOnevisionForConditionalGeneration

from .export import write_published
from .model import DIMS, demo_config
from .processing import ImageTextProcessor
from .synth import HELD_OUT_SEED_BASE, sample
from .vocab import CompactVocab

EASY = ("colour", "shape", "count")
IMAGE_TOKEN = 151665
PAD_TOKEN = 151643  # <|endoftext|>


def turn_text(i, q):
    return ("<|im_start|>user\n<image>\n" if i == 0 else "<|im_start|>user\n") + q + "<|im_end|>\n<|im_start|>assistant\n"


def conversation(proc, qs, turns, image_tokens):
    """ids and labels for one scene: several question/answer turns; only answers are learned."""
    ids, labels, text = [], [], ""
    for i, (_, q, a) in enumerate(qs[:turns]):
        prompt = turn_text(i, q)
        target = a + "<|im_end|>"
        text += prompt + target + "\n"
        p = proc.encode(proc.expand(prompt, image_tokens) if i == 0 else prompt)
        t = proc.encode(target)
        n = proc.encode("\n")
        ids += p + t + n
        labels += [-100] * len(p) + t + [-100] * len(n)
    return ids, labels, text


def batch(proc, vocab, scenes, turns):
    """scenes: [(image, [(kind, q, a)])] -> compact-vocabulary tensors for one step."""
    pixel_values, image_sizes = proc.image_inputs([img for img, _ in scenes])
    seqs = []
    for k, (_, qs) in enumerate(scenes):
        n = proc.image_token_count(image_sizes[k], pixel_values[k])
        seqs.append(conversation(proc, qs, turns, n)[:2])
    width = max(len(i) for i, _ in seqs)
    input_ids = torch.full((len(seqs), width), PAD_TOKEN, dtype=torch.long)
    labels = torch.full((len(seqs), width), -100, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for k, (i, l) in enumerate(seqs):
        input_ids[k, :len(i)] = torch.tensor(i)
        labels[k, :len(l)] = torch.tensor(l)
        mask[k, :len(i)] = 1
    keep = labels != -100
    labels[keep] = vocab.compact(labels[keep])
    return vocab.compact(input_ids), mask, labels, pixel_values, image_sizes


def compact_model(base, vocab):
    config = demo_config(base)
    config.text_config.vocab_size = len(vocab)
    config.text_config.pad_token_id = int(vocab.compact(torch.tensor([PAD_TOKEN]))[0])
    config.image_token_id = int(vocab.compact(torch.tensor([IMAGE_TOKEN]))[0])
    config.video_token_id = -1  # no video: never matches an id
    return LlavaOnevisionForConditionalGeneration(config)


def full_model(model, base, vocab):
    """The compact model as the published full-vocabulary model (tied embedding)."""
    full = LlavaOnevisionForConditionalGeneration(demo_config(base))
    state = {k: v for k, v in model.state_dict().items() if "embed_tokens" not in k and k != "lm_head.weight"}
    missing, unexpected = full.load_state_dict(state, strict=False)
    assert not unexpected and all("embed_tokens" in k or k == "lm_head.weight" for k in missing), (missing, unexpected)
    with torch.no_grad():
        full.get_input_embeddings().weight.copy_(vocab.full_embedding(model.get_input_embeddings().weight))
    return full


def loss_of(model, vocab, input_ids, mask, labels, pixel_values, image_sizes):
    hidden = model.model(input_ids=input_ids, attention_mask=mask, pixel_values=pixel_values,
                         image_sizes=image_sizes).last_hidden_state
    target = labels[:, 1:]
    keep = target != -100
    logits = hidden[:, :-1][keep] @ model.get_input_embeddings().weight.T
    rest = torch.full((logits.shape[0], 1), vocab.rest_logit, dtype=logits.dtype)
    return F.cross_entropy(torch.cat([logits, rest], 1).float(), target[keep])


@torch.no_grad()
def exact_accuracy(model, proc, vocab, seeds, kinds=EASY + ("referring", "read")):
    """Held-out exact-answer accuracy per kind, single turn as the stack asks: teacher-forced
    argmax over the answer and its end token, which is greedy decoding's exact match."""
    model.eval()
    totals = {}
    for seed in seeds:
        img, _, _, qs = sample(seed)
        for kind, q, a in qs:
            if kind not in kinds:
                continue
            ids, mask, labels, pv, sizes = batch(proc, vocab, [(img, [(kind, q, a)])], 1)
            hidden = model.model(input_ids=ids, attention_mask=mask, pixel_values=pv, image_sizes=sizes).last_hidden_state
            target = labels[:, 1:]
            keep = target != -100
            logits = hidden[:, :-1][keep] @ model.get_input_embeddings().weight.T
            # the unused rows score ~0 in the full model: the answer must beat them too
            hit = bool((logits.max(1).values > 0).all() and torch.equal(logits.argmax(1), target[keep]))
            h, t = totals.get(kind, (0, 0))
            totals[kind] = (h + hit, t + 1)
    model.train()
    return {k: {"hits": h, "total": t, "acc": round(h / t, 3)} for k, (h, t) in sorted(totals.items())}


def lr_factor(step, args):
    if step < args.warmup:
        return (step + 1) / args.warmup
    decay_start = args.steps - args.decay_steps
    if step < decay_start:
        return 1.0
    floor = args.lr_floor / args.lr
    return max(floor, 1.0 - (1.0 - floor) * (step - decay_start) / max(1, args.decay_steps))


def scene(seed, easy):
    img, _, _, qs = sample(seed)
    return img, [x for x in qs if x[0] in EASY] if easy else qs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--decay-steps", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--lr-floor", type=float, default=1e-4)
    ap.add_argument("--vision-lr-mult", type=float, default=2.0, help="lr multiplier of vision tower, projector, newline")
    ap.add_argument("--easy-steps", type=int, default=1500, help="colour/shape/count questions only before this step")
    ap.add_argument("--easy-share", type=float, default=0.0, help="after --easy-steps, the share of scenes still asked only those")
    ap.add_argument("--save-every", type=int, default=250)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--turns", type=int, default=8)
    ap.add_argument("--eval-scenes", type=int, default=15)
    # one thread: on a loaded shared machine two threads at low priority spent ~90% of their CPU
    # waiting for each other (2 CPU-s a step against 0.37 with one)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True,
                    help="bf16 autocast for the forward pass (fp32 weights and optimizer)")
    ap.add_argument("--resume", action="store_true", help="continue from OUT_DIR/state.pt")
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

    vocab = CompactVocab(proc, demo_config(args.base).text_config.vocab_size)
    model = compact_model(args.base, vocab)
    model.train()
    vision = [p for n, p in model.named_parameters() if "vision_tower" in n or "multi_modal_projector" in n or "image_newline" in n]
    ids = {id(p) for p in vision}
    text_params = [p for p in model.parameters() if id(p) not in ids]
    opt = torch.optim.AdamW([{"params": text_params, "lr": args.lr},
                             {"params": vision, "lr": args.lr * args.vision_lr_mult}],
                            weight_decay=0.01, betas=(0.9, 0.98))
    base_lrs = [args.lr, args.lr * args.vision_lr_mult]
    seed_rng = random.Random(args.seed)
    step = 0
    state_path = os.path.join(args.out, "state.pt")
    if args.resume:
        state = torch.load(state_path, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        seed_rng.setstate(state["seed_rng"])
        torch.set_rng_state(state["torch_rng"])
        step = state["step"]
    log = open(os.path.join(args.out, "log.jsonl"), "a")
    log.write(json.dumps({"event": "resume" if args.resume else "start", "step": step, "vocab": len(vocab),
                          "params_compact": sum(p.numel() for p in model.parameters()), "dims": DIMS,
                          "args": vars(args)}) + "\n")
    start, ema = time.time(), None
    held_out = range(HELD_OUT_SEED_BASE, HELD_OUT_SEED_BASE + args.eval_scenes)
    while step < args.steps:
        f = lr_factor(step, args)
        for g, lr in zip(opt.param_groups, base_lrs):
            g["lr"] = lr * f
        scenes = []
        for _ in range(args.batch):
            seed = seed_rng.randrange(HELD_OUT_SEED_BASE)
            easy = step < args.easy_steps or (args.easy_share > 0 and seed_rng.random() < args.easy_share)
            scenes.append(scene(seed, easy))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            loss = loss_of(model, vocab, *batch(proc, vocab, scenes, args.turns))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 10 == 0:
            log.write(json.dumps({"step": step, "loss": round(loss.item(), 4), "ema": round(ema, 4), "lr": args.lr * f,
                                  "minutes": round((time.time() - start) / 60, 2)}) + "\n")
            log.flush()
        if step % args.save_every == 0 or step == args.steps:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "seed_rng": seed_rng.getstate(),
                        "torch_rng": torch.get_rng_state(), "step": step}, state_path + ".tmp")
            os.replace(state_path + ".tmp", state_path)
            path = os.path.join(args.out, f"checkpoint-{step:06d}")
            write_published(full_model(model, args.base, vocab), args.base, path)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                scores = exact_accuracy(model, proc, vocab, held_out, EASY if step <= args.easy_steps else
                                        EASY + ("referring", "read")) if args.eval_scenes else {}
            log.write(json.dumps({"checkpoint": path, "step": step, "minutes": round((time.time() - start) / 60, 2),
                                  "held_out_exact": scores}) + "\n")
            log.flush()


if __name__ == "__main__":
    main()
