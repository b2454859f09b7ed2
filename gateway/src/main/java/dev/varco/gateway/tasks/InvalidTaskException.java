package dev.varco.gateway.tasks;

import dev.varco.gateway.chat.InvalidRequestException;

/**
 * A task request (its box, phrase, text or image) that cannot become a VARCO prompt. {@code param}
 * names the offending field relative to the task (for example {@code box.x2}, {@code phrase},
 * {@code text}, {@code image}); the HTTP layer prefixes it with the request's own path. It is an
 * {@link InvalidRequestException}, so the routes already answer it with a 400.
 */
public class InvalidTaskException extends InvalidRequestException {
  public InvalidTaskException(String param, String message) {
    super(param, message);
  }
}
