package dev.varco.eval.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * One line of {@code items.jsonl}: what was asked, what came back, and how it scored. A line with
 * an {@code error} is not done: the next run of the same output folder asks that item again.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ItemResult(
    @JsonProperty("id") String id,
    @JsonProperty("category") String category,
    @JsonProperty("prompt") String prompt,
    @JsonProperty("options") Map<String, String> options,
    @JsonProperty("raw_answer") String rawAnswer,
    @JsonProperty("choice") String choice,
    @JsonProperty("rule") String rule,
    @JsonProperty("answer") String answer,
    @JsonProperty("correct") Boolean correct,
    @JsonProperty("judgement") String judgement,
    @JsonProperty("reference_score") Double referenceScore,
    @JsonProperty("model_score") Double modelScore,
    @JsonProperty("error") String error,
    @JsonProperty("seconds") Double seconds) {

  public boolean done() {
    return error == null;
  }
}
