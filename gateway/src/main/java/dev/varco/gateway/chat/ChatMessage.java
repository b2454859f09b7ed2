package dev.varco.gateway.chat;

import java.util.List;

/** One message of a conversation: a role and its text and image parts in order. */
public record ChatMessage(Role role, List<ChatPart> parts) {

  public ChatMessage {
    parts = List.copyOf(parts);
  }

  /** The roles the chat template understands. */
  public enum Role {
    SYSTEM("system"),
    USER("user"),
    ASSISTANT("assistant");

    private final String wireName;

    Role(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    /** The role for an OpenAI/gRPC role name, or null when there is none. */
    public static Role fromWireName(String name) {
      for (Role role : values()) {
        if (role.wireName.equals(name)) {
          return role;
        }
      }
      return null;
    }
  }
}
