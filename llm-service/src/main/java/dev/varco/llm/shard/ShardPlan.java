package dev.varco.llm.shard;

import dev.varco.llm.transformer.DecoderWeights;
import dev.varco.model.checkpoint.Qwen2TextConfig;

/**
 * What rank {@code rank} of {@code shards} holds of every layer: K/V heads {@code [kvHeadStart,
 * kvHeadEnd)} with the query heads that read them (rows of q/k/v and their biases, the matching
 * columns of o_proj), and MLP columns {@code [mlpStart, mlpEnd)} (rows of gate/up, columns of
 * down_proj). Split as evenly as whole K/V heads and blocks of 32 MLP columns allow (Q8/Q4 store
 * blocks of 32 along a row). Norms, embeddings and lm_head are not split: every rank reads the
 * norms, only the coordinator uses embeddings and lm_head.
 */
public record ShardPlan(
    int shards, int rank, int headDim, int group, int kvHeadStart, int kvHeadEnd, int mlpStart, int mlpEnd) {
  /** MLP columns are split in blocks of this many (Jlama's Q8/Q4 block). */
  public static final int COLUMN_BLOCK = 32;

  public static ShardPlan of(Qwen2TextConfig config, int shards, int rank) {
    if (shards < 1) {
      throw new IllegalArgumentException("varco.llm.shards must be >= 1, got " + shards);
    }
    if (rank < 0 || rank >= shards) {
      throw new IllegalArgumentException("varco.llm.shard.rank must be in [0, " + shards + "), got " + rank);
    }
    int kvHeads = config.numKeyValueHeads();
    if (kvHeads < shards) {
      throw new IllegalArgumentException("the model has " + kvHeads + " key/value heads: it cannot be split over "
          + shards + " shards (each needs at least one; use at most " + kvHeads + ")");
    }
    int intermediate = config.intermediateSize();
    if (intermediate % COLUMN_BLOCK != 0 || intermediate / COLUMN_BLOCK < shards) {
      throw new IllegalArgumentException("the MLP's " + intermediate + " columns cannot be split over " + shards
          + " shards in blocks of " + COLUMN_BLOCK);
    }
    int blocks = intermediate / COLUMN_BLOCK;
    return new ShardPlan(shards, rank, config.headDim(), config.numAttentionHeads() / kvHeads,
        split(kvHeads, shards, rank), split(kvHeads, shards, rank + 1),
        split(blocks, shards, rank) * COLUMN_BLOCK, split(blocks, shards, rank + 1) * COLUMN_BLOCK);
  }

  /** Start of part {@code part} of {@code total} items cut into {@code parts} near-equal parts. */
  private static int split(int total, int parts, int part) {
    return (int) ((long) total * part / parts);
  }

  public int kvHeads() {
    return kvHeadEnd - kvHeadStart;
  }

  public int heads() {
    return kvHeads() * group;
  }

  public int mlpColumns() {
    return mlpEnd - mlpStart;
  }

  /** This rank's slice of every layer of {@code full}; matrices are views or copies, never changed values. */
  public DecoderWeights slice(DecoderWeights full) {
    int qStart = kvHeadStart * group * headDim;
    int qRows = heads() * headDim;
    int kvStart = kvHeadStart * headDim;
    int kvRows = kvHeads() * headDim;
    DecoderWeights.Layer[] layers = new DecoderWeights.Layer[full.layerCount()];
    for (int i = 0; i < layers.length; i++) {
      DecoderWeights.Layer l = full.layer(i);
      layers[i] = new DecoderWeights.Layer(
          l.inputNorm(),
          WeightSlices.rows(l.q(), qStart, qRows),
          WeightSlices.rows(l.k(), kvStart, kvRows),
          WeightSlices.rows(l.v(), kvStart, kvRows),
          java.util.Arrays.copyOfRange(l.qBias(), qStart, qStart + qRows),
          java.util.Arrays.copyOfRange(l.kBias(), kvStart, kvStart + kvRows),
          java.util.Arrays.copyOfRange(l.vBias(), kvStart, kvStart + kvRows),
          WeightSlices.columns(l.o(), qStart, qRows),
          l.postAttentionNorm(),
          WeightSlices.rows(l.gate(), mlpStart, mlpColumns()),
          WeightSlices.rows(l.up(), mlpStart, mlpColumns()),
          WeightSlices.columns(l.down(), mlpStart, mlpColumns()));
    }
    return full.slice(heads(), kvHeads(), mlpColumns(), layers);
  }

  /** For logs and the Join reply. */
  public String describe() {
    return "rank " + rank + " of " + shards + ": kv heads [" + kvHeadStart + ", " + kvHeadEnd + "), q heads ["
        + kvHeadStart * group + ", " + kvHeadEnd * group + "), mlp columns [" + mlpStart + ", " + mlpEnd + ")";
  }
}
