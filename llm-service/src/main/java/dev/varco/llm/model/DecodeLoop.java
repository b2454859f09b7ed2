package dev.varco.llm.model;

import com.github.tjake.jlama.tensor.KvBufferCache;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * One request's generation: prefill the prompt rows, then sample and feed back one token at a
 * time until an end-of-turn token, {@code maxTokens}, or cancellation. End-of-turn tokens are not
 * reported to the listener (they are not part of the answer) but are counted as completion tokens,
 * as OpenAI-style servers do. The listener may also end generation (a stop string matched).
 *
 * <p>The KV cache is created for the request and released when it ends (no reuse across turns
 * yet).
 */
public final class DecodeLoop {
  private final DecoderModel model;
  private final Set<Integer> endOfTurnTokens;
  private final int contextLength;

  /** @param contextLength positions a request may use; capped at what the decoder can compute */
  public DecodeLoop(DecoderModel model, Set<Integer> endOfTurnTokens, int contextLength) {
    this.model = model;
    this.endOfTurnTokens = Set.copyOf(endOfTurnTokens);
    this.contextLength = Math.min(contextLength, model.safePositions());
  }

  /**
   * @param cancelled polled before every forward call; true stops at once with CANCELLED
   * @throws IllegalArgumentException when prompt + maxTokens does not fit the decoder's positions
   */
  public GenerationResult run(
      PromptRows prompt, int maxTokens, TokenSampler sampler, BooleanSupplier cancelled, TokenListener listener) {
    if (prompt.length() < 1) {
      throw new IllegalArgumentException("the prompt is empty");
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
    }
    if ((long) prompt.length() + maxTokens > contextLength) {
      throw new IllegalArgumentException(
          "prompt of " + prompt.length() + " tokens + max_tokens " + maxTokens
              + " exceeds the context length of " + contextLength);
    }
    int generated = 0;
    FinishReason reason = FinishReason.LENGTH;
    try (KvBufferCache.KvBuffer kv = model.newKvCache()) {
      if (cancelled.getAsBoolean()) {
        return new GenerationResult(FinishReason.CANCELLED, prompt.length(), prompt.imageRows(), 0);
      }
      float[] logits = model.prefill(prompt, 0, prompt.length(), 0, kv);
      TokenHistory history = new TokenHistory(prompt.textTokenIds());
      int position = prompt.length();
      while (true) {
        SampledToken sampled = sampler.next(logits, history);
        int token = sampled.tokenId();
        history.addGenerated(token);
        generated++;
        if (endOfTurnTokens.contains(token)) {
          reason = FinishReason.STOP;
          break;
        }
        if (listener.onToken(sampled, position)) {
          reason = FinishReason.STOP;
          break;
        }
        if (generated >= maxTokens) {
          break;
        }
        if (cancelled.getAsBoolean()) {
          reason = FinishReason.CANCELLED;
          break;
        }
        logits = model.decode(token, position, kv);
        position++;
      }
    }
    return new GenerationResult(reason, prompt.length(), prompt.imageRows(), generated);
  }
}
