package dev.varco.llm.engine;

import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.TokenSampler;
import java.util.List;

/**
 * A request whose prompt rows are ready for the model thread.
 *
 * @param caller who it is for (the waiting queue is fair across callers)
 * @param cachePrompt whether its KV cache may be reused from and kept for later requests
 */
record PreparedJob(
    String requestId, String caller, PromptRows prompt, int maxTokens, TokenSampler sampler, List<String> stop, GenerationSink sink,
    GenerationTicket ticket, long admittedNanos, boolean cachePrompt) {}
