package dev.varco.llm.api;

import dev.varco.llm.engine.GenerationRequest;
import dev.varco.llm.engine.ImageInput;
import dev.varco.llm.engine.InvalidRequestException;
import dev.varco.llm.text.ChatMessage;
import dev.varco.proto.llm.v1.ContentPart;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.Message;
import dev.varco.proto.llm.v1.SamplingParams;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Checks a {@link GenerateRequest} field by field and turns it into a {@link GenerationRequest}.
 * Every rejection names the offending field, e.g. {@code messages[2].role}.
 */
final class GenerateRequestReader {
  private static final Set<String> ROLES = Set.of("system", "user", "assistant");
  private static final SecureRandom SEEDS = new SecureRandom();

  private final int maxImages;

  GenerateRequestReader(int maxImages) {
    this.maxImages = maxImages;
  }

  GenerationRequest read(GenerateRequest request) {
    if (request.getMessagesCount() == 0) {
      throw new InvalidRequestException("messages: the conversation is empty; send at least one user message");
    }
    List<ChatMessage> messages = new ArrayList<>();
    List<ImageInput> images = new ArrayList<>();
    for (int m = 0; m < request.getMessagesCount(); m++) {
      messages.add(readMessage(request.getMessages(m), m, images));
    }
    String lastRole = messages.getLast().role();
    if (!"user".equals(lastRole)) {
      throw new InvalidRequestException(
          "messages[" + (messages.size() - 1) + "].role: the conversation must end with a user message, not '" + lastRole + "'");
    }
    if (images.size() > maxImages) {
      throw new InvalidRequestException(
          "messages: " + images.size() + " images exceed the limit of " + maxImages + " per request (varco.llm.max-images)");
    }
    SamplingParams sampling = request.getSampling();
    float temperature = sampling.getTemperature();
    if (!Float.isFinite(temperature) || temperature < 0) {
      throw new InvalidRequestException("sampling.temperature: must be a finite number >= 0, got " + temperature);
    }
    long maxTokens = Integer.toUnsignedLong(sampling.getMaxTokens());
    if (maxTokens > Integer.MAX_VALUE) {
      throw new InvalidRequestException("sampling.max_tokens: " + maxTokens + " is too large");
    }
    long seed = sampling.hasSeed() ? sampling.getSeed() : SEEDS.nextLong();
    return new GenerationRequest(request.getRequestId(), messages, images, temperature, (int) maxTokens, seed);
  }

  private static ChatMessage readMessage(Message message, int m, List<ImageInput> images) {
    String field = "messages[" + m + "]";
    if (!ROLES.contains(message.getRole())) {
      throw new InvalidRequestException(
          field + ".role: '" + message.getRole() + "' is not one of system, user, assistant");
    }
    List<ChatMessage.Part> parts = new ArrayList<>();
    for (int p = 0; p < message.getContentCount(); p++) {
      ContentPart part = message.getContent(p);
      String partField = field + ".content[" + p + "]";
      switch (part.getPartCase()) {
        case TEXT -> parts.add(new ChatMessage.Text(part.getText()));
        case IMAGE -> {
          if (!"user".equals(message.getRole())) {
            throw new InvalidRequestException(partField + ".image: images are only accepted in user messages");
          }
          byte[] data = part.getImage().getData().toByteArray();
          if (data.length == 0) {
            throw new InvalidRequestException(partField + ".image.data: is empty");
          }
          String sha256 = part.getImage().getSha256();
          if (!sha256.isEmpty() && !isSha256Hex(sha256)) {
            throw new InvalidRequestException(partField + ".image.sha256: not 64 lower-case hex digits");
          }
          images.add(new ImageInput(data, sha256, partField + ".image"));
          parts.add(new ChatMessage.Image());
        }
        default -> throw new InvalidRequestException(partField + ": neither text nor image is set");
      }
    }
    return new ChatMessage(message.getRole(), parts);
  }

  private static boolean isSha256Hex(String s) {
    if (s.length() != 64 || !s.equals(s.toLowerCase())) {
      return false;
    }
    try {
      HexFormat.of().parseHex(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
