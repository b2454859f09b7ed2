package dev.varco.llm.engine;

import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.TokenSampler;
import java.util.List;

/**
 * A request whose prompt rows are ready for the model thread.
 *
 * @param caller who it is for (the waiting queue is fair across callers)
 * @param prompt its rows; images whose rows a KV-cache prefix held at preparation have none
 *     (see {@link PromptRows#missingRowsEnd()})
 * @param images the request's images, to encode those after all if that prefix is gone
 * @param cachePrompt whether its KV cache may be reused from and kept for later requests
 */
record PreparedJob(
    String requestId, String caller, PromptRows prompt, List<ImageInput> images, int maxTokens, TokenSampler sampler, List<String> stop,
    GenerationSink sink, GenerationTicket ticket, long admittedNanos, boolean cachePrompt) {
  /** This job with every image row present. */
  PreparedJob withPrompt(PromptRows complete) {
    return new PreparedJob(requestId, caller, complete, images, maxTokens, sampler, stop, sink, ticket, admittedNanos, cachePrompt);
  }
}
