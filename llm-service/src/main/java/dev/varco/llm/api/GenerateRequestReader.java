package dev.varco.llm.api;

import dev.varco.llm.engine.GenerationRequest;
import dev.varco.llm.engine.ImageInput;
import dev.varco.llm.engine.InvalidRequestException;
import dev.varco.llm.model.SamplingSettings;
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
  /** OpenAI's limit. */
  static final int MAX_STOP_STRINGS = 4;
  /** A caller is a name (an API key's), not data: a bound keeps the fair queue's bookkeeping small. */
  static final int MAX_CALLER_CHARS = 256;

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
    long maxTokens = Integer.toUnsignedLong(sampling.getMaxTokens());
    if (maxTokens > Integer.MAX_VALUE) {
      throw new InvalidRequestException("sampling.max_tokens: " + maxTokens + " is too large");
    }
    if (request.getCaller().length() > MAX_CALLER_CHARS) {
      throw new InvalidRequestException("caller: " + request.getCaller().length() + " characters, more than "
          + MAX_CALLER_CHARS);
    }
    return new GenerationRequest(
        request.getRequestId(), request.getCaller(), messages, images, readSampling(sampling), (int) maxTokens, readStops(sampling),
        !request.hasCachePrompt() || request.getCachePrompt());
  }

  /** Unset optional fields take their "off" value; range errors name the proto field. */
  private static SamplingSettings readSampling(SamplingParams sampling) {
    long seed = sampling.hasSeed() ? sampling.getSeed() : SEEDS.nextLong();
    long topK = Integer.toUnsignedLong(sampling.getTopK());
    long topLogprobs = Integer.toUnsignedLong(sampling.getTopLogprobs());
    if (topLogprobs > 0 && !sampling.getLogprobs()) {
      throw new InvalidRequestException("sampling.top_logprobs: requires sampling.logprobs = true");
    }
    try {
      return new SamplingSettings(
          sampling.getTemperature(),
          sampling.hasTopP() ? sampling.getTopP() : 1f,
          (int) Math.min(topK, Integer.MAX_VALUE),
          sampling.getMinP(),
          sampling.hasRepetitionPenalty() ? sampling.getRepetitionPenalty() : 1f,
          sampling.getPresencePenalty(),
          sampling.getFrequencyPenalty(),
          seed,
          sampling.getLogprobs(),
          (int) Math.min(topLogprobs, Integer.MAX_VALUE));
    } catch (IllegalArgumentException e) {
      // SamplingSettings messages start with the field's proto name ("top_p must be ...").
      throw new InvalidRequestException("sampling." + e.getMessage());
    }
  }

  private static List<String> readStops(SamplingParams sampling) {
    if (sampling.getStopCount() > MAX_STOP_STRINGS) {
      throw new InvalidRequestException(
          "sampling.stop: " + sampling.getStopCount() + " stop strings exceed the limit of " + MAX_STOP_STRINGS);
    }
    for (int i = 0; i < sampling.getStopCount(); i++) {
      if (sampling.getStop(i).isEmpty()) {
        throw new InvalidRequestException("sampling.stop[" + i + "]: must not be empty");
      }
    }
    return sampling.getStopList();
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
