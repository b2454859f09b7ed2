package dev.varco.llm.engine;

import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.TokenSampler;

/** A request whose prompt rows are ready for the model thread. */
record PreparedJob(
    String requestId, PromptRows prompt, int maxTokens, TokenSampler sampler, GenerationSink sink, GenerationTicket ticket,
    long admittedNanos) {}
