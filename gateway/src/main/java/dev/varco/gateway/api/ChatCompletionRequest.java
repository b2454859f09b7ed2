package dev.varco.gateway.api;

import dev.varco.gateway.chat.ChatTurn;
import dev.varco.gateway.tasks.TaskTurn;

/**
 * A parsed {@code POST /v1/chat/completions} body: the turn plus the options that only shape the
 * HTTP answer.
 *
 * @param turn what goes to the model (for a task: rewritten with the task's prompt)
 * @param model the requested model name, or null when the client named none
 * @param task the VARCO task the request names ({@code varco_task}), or null
 */
record ChatCompletionRequest(ChatTurn turn, String model, boolean stream, boolean includeUsage, TaskTurn task) {}
