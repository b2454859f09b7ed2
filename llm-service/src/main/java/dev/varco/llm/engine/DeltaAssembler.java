package dev.varco.llm.engine;

import dev.varco.llm.model.SampledToken;
import dev.varco.llm.text.HuggingFaceTokenizerFile;
import dev.varco.llm.text.IncrementalDetokenizer;
import dev.varco.llm.text.StopStringMatcher;
import dev.varco.llm.text.TokenBytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one request's sampled tokens into the deltas it streams: decodes them without splitting
 * characters, holds text back while it could still be the start of a stop string, cuts at a stop
 * string (which is never sent), and attaches each token's count and logprobs to the delta that
 * first carries text after it.
 */
final class DeltaAssembler {
  private final HuggingFaceTokenizerFile tokenizer;
  private final TokenBytes tokenBytes;
  private final IncrementalDetokenizer detokenizer;
  private final StopStringMatcher stops;
  private final GenerationSink sink;
  private final List<TokenLogprob> pendingLogprobs = new ArrayList<>();
  private int pendingTokens;

  DeltaAssembler(HuggingFaceTokenizerFile tokenizer, TokenBytes tokenBytes, List<String> stopStrings, GenerationSink sink) {
    this.tokenizer = tokenizer;
    this.tokenBytes = tokenBytes;
    this.detokenizer = new IncrementalDetokenizer(tokenizer::decode);
    this.stops = new StopStringMatcher(stopStrings);
    this.sink = sink;
  }

  /** Adds a generated (non end-of-turn) token; returns true when a stop string has matched. */
  boolean add(SampledToken token) {
    pendingTokens++;
    if (!Float.isNaN(token.logprob())) {
      pendingLogprobs.add(logprobOf(token));
    }
    String text = detokenizer.add(token.tokenId());
    detokenizer.takeTokenCount(); // counted here instead, since stop matching may hold text longer
    send(stops.add(text));
    return stops.matched();
  }

  boolean stopStringMatched() {
    return stops.matched();
  }

  /** Sends what is still held back once generation has ended without a stop string. */
  void finish() {
    if (stops.matched()) {
      return;
    }
    String rest = stops.add(detokenizer.flush());
    send(stops.matched() ? rest : rest + stops.flush());
  }

  private void send(String text) {
    if (text.isEmpty()) {
      return;
    }
    sink.delta(text, pendingTokens, List.copyOf(pendingLogprobs));
    pendingTokens = 0;
    pendingLogprobs.clear();
  }

  private TokenLogprob logprobOf(SampledToken token) {
    List<TokenLogprob> top = new ArrayList<>(token.topTokenIds().length);
    for (int i = 0; i < token.topTokenIds().length; i++) {
      top.add(single(token.topTokenIds()[i], token.topLogprobs()[i], List.of()));
    }
    return single(token.tokenId(), token.logprob(), top);
  }

  private TokenLogprob single(int tokenId, float logprob, List<TokenLogprob> top) {
    String text = tokenizer.decode(new int[] {tokenId});
    byte[] bytes = tokenBytes.bytesOf(tokenId);
    return new TokenLogprob(tokenId, text, bytes != null ? bytes : text.getBytes(StandardCharsets.UTF_8), logprob, top);
  }
}
