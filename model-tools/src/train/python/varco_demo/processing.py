"""LLaVA-OneVision inputs without AutoProcessor.

AutoProcessor builds a video processor too, which needs torchvision; no torchvision matching the
CPU torch wheel is on this machine's disk. The image side is transformers' own
LlavaOnevisionImageProcessor and the token count is LlavaOnevisionProcessor's own arithmetic
(called on a processor object without its video half), so ids and pixels are what AutoProcessor
gives for images.
"""
import json
import os

import torch
from transformers import AutoTokenizer, LlavaOnevisionImageProcessor
from transformers.models.llava_onevision.processing_llava_onevision import LlavaOnevisionProcessor
from jinja2 import Environment


class ImageTextProcessor:
    def __init__(self, checkpoint_dir):
        self.image_processor = LlavaOnevisionImageProcessor.from_pretrained(checkpoint_dir)
        self.tokenizer = AutoTokenizer.from_pretrained(checkpoint_dir)
        with open(os.path.join(checkpoint_dir, "processor_config.json")) as f:
            pconf = json.load(f)
        with open(os.path.join(checkpoint_dir, "chat_template.json")) as f:
            template = json.load(f)["chat_template"]
        # transformers renders chat templates with trim_blocks and lstrip_blocks
        self.template = Environment(trim_blocks=True, lstrip_blocks=True).from_string(template)
        counter = object.__new__(LlavaOnevisionProcessor)
        counter.image_processor = self.image_processor
        counter.num_image_tokens = pconf["num_image_tokens"]
        counter.vision_feature_select_strategy = pconf["vision_feature_select_strategy"]
        counter.vision_aspect_ratio = pconf["vision_aspect_ratio"]
        self._counter = counter
        self.image_token = "<image>"
        self.image_token_id = self.tokenizer.convert_tokens_to_ids(self.image_token)

    def chat_text(self, messages, add_generation_prompt=False):
        return self.template.render(messages=messages, add_generation_prompt=add_generation_prompt)

    def image_inputs(self, images):
        out = self.image_processor(images, return_tensors="pt")
        return out["pixel_values"], out["image_sizes"]

    def image_token_count(self, image_size, pixel_values):
        height, width = pixel_values.shape[-2:]
        return self._counter._get_number_of_features(int(image_size[0]), int(image_size[1]), height, width)

    def expand(self, text, count):
        return text.replace(self.image_token, self.image_token * count, 1)

    def encode(self, text):
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]
