package dev.varco.llm.api;

import dev.varco.proto.llm.v1.Completion;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.TokenLogprob;
import java.util.List;

/** Everything one Generate call streamed back: deltas, then (normally) one Completion. */
record GenerateOutcome(List<GenerateResponse> responses) {

  String text() {
    StringBuilder text = new StringBuilder();
    deltas().forEach(r -> text.append(r.getDelta().getText()));
    return text.toString();
  }

  List<TokenLogprob> logprobs() {
    return deltas().stream().flatMap(r -> r.getDelta().getLogprobsList().stream()).toList();
  }

  int deltaTokens() {
    return deltas().stream().mapToInt(r -> r.getDelta().getTokenCount()).sum();
  }

  Completion completion() {
    return responses.getLast().getCompletion();
  }

  private List<GenerateResponse> deltas() {
    return responses.stream().filter(GenerateResponse::hasDelta).toList();
  }
}
