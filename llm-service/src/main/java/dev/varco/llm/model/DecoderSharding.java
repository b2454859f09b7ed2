package dev.varco.llm.model;

import dev.varco.llm.transformer.DecoderWeights;
import dev.varco.llm.transformer.PartialSums;

/**
 * How a tensor-parallel coordinator runs its share of the decoder: which slice of the weights it
 * keeps and how it adds up the ranks' partial sums. Closed with the model.
 */
public interface DecoderSharding extends AutoCloseable {
  /** This rank's slice of {@code full} (which it may replace). */
  DecoderWeights slice(DecoderWeights full);

  /** Adds up the ranks' partial sums; valid once {@link #slice} has run. */
  PartialSums partialSums();

  /**
   * Between passes: throws {@link ShardUnavailableException} when a shard is known to be lost
   * (its connection ended), so an idle service notices before the next request does.
   */
  void checkShards();

  @Override
  void close();
}
