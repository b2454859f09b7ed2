"""Writes a checkpoint in the exact layout of the tiny model and NCSOFT/VARCO-VISION-14B-HF.

    python -m varco_demo.export --checkpoint RUN/checkpoint-N --base TINY_HF_DIR --out DIR

transformers 5 saves its own module names (model.vision_tower.embeddings...) and a config in its
new schema (rope_parameters, dtype, video_token_index); the published checkpoint and the tiny
one use the pre-4.52 names (vision_tower.vision_model..., language_model.model...) and the
4.45 config schema. This writes those: config.json is the tiny model's with the demo widths and
tie_word_embeddings, weights bf16, no lm_head (tied to embed_tokens). transformers loads either.
train_demo writes its checkpoints this way; the command turns a save_pretrained directory into it
and checks that transformers reloads it to the same tensors.
"""
import argparse
import json
import os

import torch
from safetensors.torch import save_file
from transformers import LlavaOnevisionForConditionalGeneration

from .model import copy_processor_files

RENAMES = [  # transformers 5 module prefix -> published checkpoint prefix
    ("model.vision_tower.", "vision_tower.vision_model."),
    ("model.language_model.", "language_model.model."),
    ("model.multi_modal_projector.", "multi_modal_projector."),
    ("model.image_newline", "image_newline"),
]


def published_name(name):
    for new, old in RENAMES:
        if name.startswith(new):
            return old + name[len(new):]
    raise ValueError(f"unexpected tensor {name}")


def published_config(base_dir, model_config):
    with open(os.path.join(base_dir, "config.json")) as f:
        cfg = json.load(f)
    tc, vc = model_config.text_config, model_config.vision_config
    cfg["_name_or_path"] = "varco-vision-demo"
    cfg["tie_word_embeddings"] = True
    cfg["vision_feature_layer"] = model_config.vision_feature_layer
    cfg["text_config"].update(hidden_size=tc.hidden_size, intermediate_size=tc.intermediate_size,
                              num_hidden_layers=tc.num_hidden_layers, max_window_layers=tc.num_hidden_layers,
                              num_attention_heads=tc.num_attention_heads,
                              num_key_value_heads=tc.num_key_value_heads, tie_word_embeddings=True)
    cfg["vision_config"].update(hidden_size=vc.hidden_size, intermediate_size=vc.intermediate_size,
                                num_hidden_layers=vc.num_hidden_layers, num_attention_heads=vc.num_attention_heads)
    return cfg


def write_published(model, base, out):
    """model (any dtype) -> out: bf16 weights under the published names, config, tokenizer files."""
    tensors = {published_name(k): v.detach().to(torch.bfloat16).contiguous()
               for k, v in model.state_dict().items() if k != "lm_head.weight"}
    os.makedirs(out, exist_ok=True)
    save_file(tensors, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(published_config(base, model.config), f, indent=2)
    copy_processor_files(base, out)


def export(checkpoint, base, out):
    model = LlavaOnevisionForConditionalGeneration.from_pretrained(checkpoint, dtype=torch.bfloat16)
    write_published(model, base, out)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    source = export(args.checkpoint, args.base, args.out).float()
    reloaded = LlavaOnevisionForConditionalGeneration.from_pretrained(args.out, dtype=torch.float32)
    a, b = source.state_dict(), reloaded.state_dict()
    assert a.keys() == b.keys(), set(a) ^ set(b)
    bad = [k for k in a if not torch.equal(a[k], b[k])]
    assert not bad, bad
    print(f"exported {args.checkpoint} -> {args.out}: {len(a)} tensors reload identical")


if __name__ == "__main__":
    main()
