"""The demo model's config: the tiny checkpoint's schema, tokenizer and geometry, wider and trainable.

Everything that defines the interface (SigLIP 384/14, anyres_max_9 pinpoints, strategy "full",
image token id, vocabulary, eos ids) is read from the tiny checkpoint that model-tools'
generate-tiny writes; only widths and depths change.
"""
import json
import os
import shutil

from transformers import LlavaOnevisionConfig

TOKENIZER_FILES = ["chat_template.json", "generation_config.json", "preprocessor_config.json",
                   "processor_config.json", "special_tokens_map.json", "tokenizer.json",
                   "tokenizer_config.json"]

DIMS = {
    "text_hidden": 128, "text_layers": 2, "text_heads": 4, "text_kv_heads": 2, "text_mlp": 384,
    "vision_hidden": 64, "vision_layers": 2, "vision_heads": 2, "vision_mlp": 256,
}


def demo_config(base_dir, dims=DIMS):
    with open(os.path.join(base_dir, "config.json")) as f:
        cfg = json.load(f)
    cfg.pop("_name_or_path", None)
    cfg.pop("transformers_version", None)
    tc = cfg["text_config"]
    tc.update(hidden_size=dims["text_hidden"], intermediate_size=dims["text_mlp"],
              num_hidden_layers=dims["text_layers"], max_window_layers=dims["text_layers"],
              num_attention_heads=dims["text_heads"], num_key_value_heads=dims["text_kv_heads"],
              tie_word_embeddings=True)
    vc = cfg["vision_config"]
    vc.update(hidden_size=dims["vision_hidden"], intermediate_size=dims["vision_mlp"],
              num_hidden_layers=dims["vision_layers"], num_attention_heads=dims["vision_heads"])
    cfg["tie_word_embeddings"] = True
    cfg["vision_feature_layer"] = -1
    return LlavaOnevisionConfig(**cfg)


def copy_processor_files(base_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name in TOKENIZER_FILES:
        shutil.copy(os.path.join(base_dir, name), os.path.join(out_dir, name))
