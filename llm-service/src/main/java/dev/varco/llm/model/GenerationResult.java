package dev.varco.llm.model;

/**
 * How a generation ended and how many tokens it took.
 *
 * @param cachedPromptTokens leading prompt positions reused from a KV cache instead of prefilled
 */
public record GenerationResult(
    FinishReason finishReason, int promptTokens, int imageTokens, int completionTokens, int cachedPromptTokens) {}
