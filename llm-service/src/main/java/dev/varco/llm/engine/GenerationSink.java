package dev.varco.llm.engine;

import dev.varco.llm.model.GenerationResult;
import java.util.List;

/**
 * Where a request's output goes. The engine calls {@link #delta} any number of times, then exactly
 * one of {@link #completed} or {@link #failed}, unless the request was cancelled first.
 */
public interface GenerationSink {
  /**
   * @param tokenCount how many generated tokens this text covers
   * @param logprobs one entry per covered token when logprobs were asked for, else empty
   */
  void delta(String text, int tokenCount, List<TokenLogprob> logprobs);

  void completed(GenerationResult result);

  void failed(RuntimeException error);
}
