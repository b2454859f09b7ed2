"""The few hundred token ids the synthetic data uses, trained as a compact embedding.

The tokenizer has 152,064 rows and the data uses under 200 of them. Training the full tied
embedding made AdamW update 19.5M parameters (97% of the model) each step, most of the step's
time on this machine, for rows no input or answer ever touches. Training runs on a compact
vocabulary (the used ids, renumbered) and export scatters the trained rows into a full-size
embedding whose other rows are tiny fixed random vectors (logits ~0, distinct so that top-k
has no ties). The loss counts those rows as one extra class with logit log(N_rest): exactly
the softmax the full model computes at inference, up to their tiny dot products, so the
trained answers beat every unused token there too.
"""
import math

import torch

from .synth import HELD_OUT_SEED_BASE, sample

TEMPLATE = ["<|im_start|>user\n<image>\n", "<|im_end|>\n<|im_start|>assistant\n", "<|im_end|>", "\n",
            "<|im_start|>user\n", "<|endoftext|>"]
REST_STD = 1e-3  # the unused rows: small enough that their logits stay near the 0 the loss assumes


class CompactVocab:
    def __init__(self, proc, full_size, scenes=2000):
        ids = set()
        for text in TEMPLATE:
            ids.update(proc.encode(text))
        # held-out seeds are never read: the vocabulary comes from training scenes only
        for seed in range(HELD_OUT_SEED_BASE - scenes, HELD_OUT_SEED_BASE):
            for _, q, a in sample(seed)[3]:
                ids.update(proc.encode(q))
                ids.update(proc.encode(a))
        self.full_ids = torch.tensor(sorted(ids))
        self.full_size = full_size
        self.rest_logit = math.log(full_size - len(self.full_ids))
        self._lookup = torch.full((full_size,), -1, dtype=torch.long)
        self._lookup[self.full_ids] = torch.arange(len(self.full_ids))

    def __len__(self):
        return len(self.full_ids)

    def compact(self, ids):
        out = self._lookup[ids]
        if (out < 0).any():
            missing = sorted(set(ids[out < 0].tolist()))
            raise ValueError(f"token ids outside the training vocabulary: {missing[:10]}")
        return out

    def full_embedding(self, compact_weight, seed=17):
        """[full_size, hidden]: trained rows at their ids, tiny fixed random rows elsewhere."""
        g = torch.Generator().manual_seed(seed)
        full = torch.randn(self.full_size, compact_weight.shape[1], generator=g) * REST_STD
        full[self.full_ids] = compact_weight.detach().float()
        return full
