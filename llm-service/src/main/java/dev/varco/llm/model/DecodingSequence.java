package dev.varco.llm.model;

import dev.varco.llm.transformer.KvCache;
import java.util.Arrays;
import java.util.Set;

/**
 * One request's generation as a series of small steps, so a scheduler can interleave several
 * requests on one model: each {@link #step} runs exactly one forward call (one prefill chunk, or
 * one decoded token) and then, once the prompt is in, samples the next token.
 *
 * <p>The KV buffer is lent by the caller and may already hold the first {@code reusedPositions}
 * positions of this prompt (a cached prefix): prefill starts after them. End-of-turn tokens end
 * generation, are not reported to the listener and count as completion tokens, as OpenAI-style
 * servers count them. The listener may end generation too (a stop string matched).
 */
public final class DecodingSequence {
  private final DecoderModel model;
  private final PromptRows prompt;
  private final KvCache kv;
  private final int reusedPositions;
  private final int maxTokens;
  private final TokenSampler sampler;
  private final Set<Integer> endOfTurnTokens;
  private final TokenListener listener;
  private final TokenHistory history;
  /** Generated tokens whose rows went through the model (every sampled token but the last). */
  private int[] fed = new int[16];
  private int fedCount;
  private int prefilled;
  private int generated;
  private int pendingToken = -1;
  private FinishReason finishReason;

  /**
   * @param reusedPositions leading prompt positions already in {@code kv}; below the prompt length
   * @throws IllegalArgumentException when prompt + maxTokens does not fit {@code contextLength}
   */
  public DecodingSequence(
      DecoderModel model, PromptRows prompt, KvCache kv, int reusedPositions, int maxTokens,
      int contextLength, TokenSampler sampler, Set<Integer> endOfTurnTokens, TokenListener listener) {
    if (prompt.length() < 1) {
      throw new IllegalArgumentException("the prompt is empty");
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
    }
    int limit = Math.min(contextLength, model.safePositions());
    if ((long) prompt.length() + maxTokens > limit) {
      throw new IllegalArgumentException(
          "prompt of " + prompt.length() + " tokens + max_tokens " + maxTokens + " exceeds the context length of " + limit);
    }
    if (reusedPositions < 0 || reusedPositions >= prompt.length()) {
      throw new IllegalArgumentException(
          "reused positions " + reusedPositions + " must leave at least one of " + prompt.length() + " to prefill");
    }
    this.model = model;
    this.prompt = prompt;
    this.kv = kv;
    this.reusedPositions = reusedPositions;
    this.prefilled = reusedPositions;
    this.maxTokens = maxTokens;
    this.sampler = sampler;
    this.endOfTurnTokens = Set.copyOf(endOfTurnTokens);
    this.listener = listener;
    this.history = new TokenHistory(prompt.textTokenIds());
  }

  /** Runs one forward call (and a sampling step once the prompt is in). */
  public void step() {
    if (finishReason != null) {
      throw new IllegalStateException("the sequence has finished: " + finishReason);
    }
    float[] logits;
    if (prefilled < prompt.length()) {
      int to = Math.min(prompt.length(), prefilled + model.prefillChunkRows());
      logits = model.prefill(prompt, prefilled, to, prefilled, kv);
      prefilled = to;
      if (prefilled < prompt.length()) {
        return;
      }
    } else {
      logits = model.decode(pendingToken, prompt.length() + fedCount, kv);
      if (fedCount == fed.length) {
        fed = Arrays.copyOf(fed, fed.length * 2);
      }
      fed[fedCount++] = pendingToken;
    }
    sample(logits);
  }

  private void sample(float[] logits) {
    SampledToken sampled = sampler.next(logits, history);
    int token = sampled.tokenId();
    history.addGenerated(token);
    generated++;
    if (endOfTurnTokens.contains(token)) {
      finishReason = FinishReason.STOP;
    } else if (listener.onToken(sampled, prompt.length() + fedCount)) {
      finishReason = FinishReason.STOP;
    } else if (generated >= maxTokens) {
      finishReason = FinishReason.LENGTH;
    } else {
      pendingToken = token;
    }
  }

  /** Ends the sequence early (the caller went away). */
  public void cancel() {
    if (finishReason == null) {
      finishReason = FinishReason.CANCELLED;
    }
  }

  public boolean isFinished() {
    return finishReason != null;
  }

  /**
   * What the KV buffer holds, position by position: the prefilled prompt rows and the generated
   * tokens fed back so far. A later prompt sharing a prefix with it can reuse those positions.
   */
  public PromptContent kvContent() {
    if (prefilled < prompt.length()) {
      return prompt.content().truncated(prefilled);
    }
    return prompt.content().extendedWith(Arrays.copyOf(fed, fedCount));
  }

  public GenerationResult result() {
    if (finishReason == null) {
      throw new IllegalStateException("the sequence is still running");
    }
    return new GenerationResult(finishReason, prompt.length(), prompt.imageRows(), generated, reusedPositions);
  }
}
