package dev.varco.gateway.api;

import dev.varco.gateway.chat.ChatTurn;

/**
 * A parsed {@code POST /v1/chat/completions} body: the turn plus the options that only shape the
 * HTTP answer.
 *
 * @param model the requested model name, or null when the client named none
 */
record ChatCompletionRequest(ChatTurn turn, String model, boolean stream, boolean includeUsage) {}
