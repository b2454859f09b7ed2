package dev.varco.llm.model;

import dev.varco.llm.transformer.KvCache;
import dev.varco.llm.transformer.SequenceRows;
import java.util.List;
import java.util.Arrays;
import java.util.Set;

/**
 * One request's generation as a series of small steps, so a scheduler can batch several requests
 * into one forward pass: {@link #takeRows} hands out its next rows (a prefill chunk, or the row of
 * the last sampled token), {@link #completeStep} takes the logits after them and, once the prompt
 * is in, samples the next token. {@link #step} does both for a sequence run alone.
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
  /** Prompt rows handed out by the last takeRows, not yet completed (0 for a decode row). */
  private int takenPrefillRows;
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

  /** Runs one forward pass of this sequence alone (and a sampling step once the prompt is in). */
  public void step() {
    int rows = Math.min(nextRowCount(), model.prefillChunkRows());
    float[] input = new float[rows * model.hiddenSize()];
    SequenceRows planned = takeRows(rows, input, 0);
    float[][] logits = model.forward(List.of(planned), input);
    completeStep(planned.wantsLogits() ? logits[0] : null);
  }

  /** Rows this sequence would run next: what is left of the prompt, or 1 once it decodes. */
  public int nextRowCount() {
    requireRunning();
    return prefilled < prompt.length() ? prompt.length() - prefilled : 1;
  }

  /** True while the prompt is not yet all in the KV cache. */
  public boolean isPrefilling() {
    return prefilled < prompt.length();
  }

  /**
   * Writes this sequence's next {@code maxRows} rows (at most {@link #nextRowCount()}) into
   * {@code dest} from {@code destOffset} and says where they go; the caller runs them in a forward
   * pass (alone or batched with other sequences) and then calls {@link #completeStep}.
   */
  public SequenceRows takeRows(int maxRows, float[] dest, int destOffset) {
    requireRunning();
    if (maxRows < 1) {
      throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
    }
    if (prefilled < prompt.length()) {
      int rows = Math.min(maxRows, prompt.length() - prefilled);
      prompt.copyRows(prefilled, rows, model.hiddenSize(), model::copyTokenEmbedding, dest, destOffset);
      takenPrefillRows = rows;
      return new SequenceRows(kv, prefilled, rows, prefilled + rows == prompt.length());
    }
    model.copyTokenEmbedding(pendingToken, dest, destOffset);
    takenPrefillRows = 0;
    return new SequenceRows(kv, prompt.length() + fedCount, 1, true);
  }

  /**
   * Accounts for the rows of the last {@link #takeRows} after their forward pass: {@code logits}
   * are the next-token logits after them (null for a prefill chunk that does not end the prompt).
   */
  public void completeStep(float[] logits) {
    requireRunning();
    if (takenPrefillRows > 0) {
      prefilled += takenPrefillRows;
      takenPrefillRows = 0;
      if (prefilled < prompt.length()) {
        return;
      }
    } else {
      if (fedCount == fed.length) {
        fed = Arrays.copyOf(fed, fed.length * 2);
      }
      fed[fedCount++] = pendingToken;
    }
    sample(logits);
  }

  private void requireRunning() {
    if (finishReason != null) {
      throw new IllegalStateException("the sequence has finished: " + finishReason);
    }
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
