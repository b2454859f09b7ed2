package dev.varco.llm.model;

import dev.varco.llm.transformer.KvCache;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * A whole generation on a fresh KV cache, start to end on the calling thread: a
 * {@link DecodingSequence} stepped until it finishes. For warm-up, tests and benchmarks; the
 * service's scheduler steps sequences itself.
 */
public final class DecodeLoop {
  private final DecoderModel model;
  private final Set<Integer> endOfTurnTokens;
  private final int contextLength;

  /** @param contextLength positions a request may use; capped at what the decoder can compute */
  public DecodeLoop(DecoderModel model, Set<Integer> endOfTurnTokens, int contextLength) {
    this.model = model;
    this.endOfTurnTokens = Set.copyOf(endOfTurnTokens);
    this.contextLength = contextLength;
  }

  /**
   * @param cancelled polled before every forward call; true stops at once with CANCELLED
   * @throws IllegalArgumentException when prompt + maxTokens does not fit the decoder's positions
   */
  public GenerationResult run(
      PromptRows prompt, int maxTokens, TokenSampler sampler, BooleanSupplier cancelled, TokenListener listener) {
    try (KvCache kv = model.newKvCache()) {
      DecodingSequence sequence =
          new DecodingSequence(model, prompt, kv, 0, maxTokens, contextLength, sampler, endOfTurnTokens, listener);
      while (!sequence.isFinished()) {
        if (cancelled.getAsBoolean()) {
          sequence.cancel();
        } else {
          sequence.step();
        }
      }
      return sequence.result();
    }
  }
}
