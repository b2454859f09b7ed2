package dev.varco.llm.model;

/** How a generation ended and how many tokens it took. */
public record GenerationResult(FinishReason finishReason, int promptTokens, int imageTokens, int completionTokens) {}
