package dev.varco.gateway.session;

/** What one retention sweep deleted. */
public record Swept(int conversations, int responses) {

  Swept plus(Swept other) {
    return new Swept(conversations + other.conversations, responses + other.responses);
  }
}
