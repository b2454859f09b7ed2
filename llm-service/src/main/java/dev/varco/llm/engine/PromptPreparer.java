package dev.varco.llm.engine;

import dev.varco.llm.model.ImageEmbedding;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.text.ChatTemplate;
import dev.varco.llm.text.TemplateRejectedException;
import dev.varco.llm.vision.MalformedEmbeddingException;
import dev.varco.llm.vision.VisionEncoderClient;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a request's prompt rows off the model thread: chat template, tokenization, one vision
 * Encode call per image, splicing. Enforces the context length once with one position per image
 * (before any image is encoded) and again with the real image sizes.
 */
final class PromptPreparer {
  private final LoadedModel model;
  private final VisionEncoderClient vision;
  private final Duration visionTimeout;
  private final long kvBudgetBytes;

  PromptPreparer(LoadedModel model, VisionEncoderClient vision, Duration visionTimeout, long kvBudgetBytes) {
    this.model = model;
    this.vision = vision;
    this.visionTimeout = visionTimeout;
    this.kvBudgetBytes = kvBudgetBytes;
  }

  /** Token ids of the rendered conversation; image placeholders still one token each. */
  int[] promptTokens(GenerationRequest request) {
    ChatTemplate.Rendered rendered;
    try {
      rendered = model.chatTemplate().render(request.messages());
    } catch (TemplateRejectedException e) {
      throw new InvalidRequestException("messages: " + e.getMessage());
    }
    int[] ids = model.tokenizer().tokenize(rendered);
    int imageTokenId = model.manifest().llm().imageTokenId();
    int placeholders = 0;
    for (int id : ids) {
      if (id == imageTokenId) {
        placeholders++;
      }
    }
    if (placeholders != request.images().size()) {
      throw new InvalidRequestException(
          "messages: the chat template rendered " + placeholders + " image placeholders for "
              + request.images().size() + " images");
    }
    return ids;
  }

  PromptRows prepare(GenerationRequest request, int maxTokens, GenerationTicket ticket) {
    int[] ids = promptTokens(request);
    checkContext(ids.length, maxTokens);
    List<ImageEmbedding> images = new ArrayList<>();
    List<String> digests = new ArrayList<>();
    for (ImageInput image : request.images()) {
      if (ticket.isCancelled()) {
        return null;
      }
      images.add(encode(request.requestId(), image, ticket));
      // Computed here, not taken from the request: KV reuse must never trust a claimed digest.
      digests.add(sha256(image.data()));
    }
    PromptRows prompt = PromptRows.splice(ids, model.manifest().llm().imageTokenId(), images, digests);
    checkContext(prompt.length(), maxTokens);
    return prompt;
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  private void checkContext(int promptLength, int maxTokens) {
    if ((long) promptLength + maxTokens > model.contextLength()) {
      throw new InvalidRequestException(
          "sampling.max_tokens: prompt of " + promptLength + " tokens + max_tokens " + maxTokens + " = "
              + ((long) promptLength + maxTokens) + " exceeds the context length of " + model.contextLength());
    }
    long kvBytes = model.decoder().kvFootprint().bytes(promptLength + maxTokens);
    if (kvBytes > kvBudgetBytes) {
      throw new InvalidRequestException(
          "sampling.max_tokens: prompt of " + promptLength + " tokens + max_tokens " + maxTokens + " needs " + kvBytes
              + " bytes of KV cache, more than varco.llm.kv-cache.max-bytes = " + kvBudgetBytes);
    }
  }

  private ImageEmbedding encode(String requestId, ImageInput image, GenerationTicket ticket) {
    ImageEmbedding embedding;
    // The Encode call runs in a context the ticket cancels, so a cancelled request does not wait
    // for (or keep vision-service busy with) an image nobody needs any more.
    try (Context.CancellableContext call = Context.current().withCancellation()) {
      ticket.whenCancelled(() -> call.cancel(null));
      embedding = call.call(() -> vision.encode(image.data(), image.sha256(), requestId, visionTimeout));
    } catch (StatusRuntimeException e) {
      Status status = e.getStatus();
      String detail = status.getDescription() == null ? status.getCode().name() : status.getDescription();
      switch (status.getCode()) {
        case INVALID_ARGUMENT -> throw new InvalidRequestException(image.field() + ": " + detail);
        case RESOURCE_EXHAUSTED -> throw new QueueFullException("vision service is busy: " + detail);
        default -> throw new BackendUnavailableException(
            "vision service unavailable for " + image.field() + " (" + status.getCode() + "): " + detail, e);
      }
    } catch (MalformedEmbeddingException e) {
      throw new BackendUnavailableException("vision service sent a broken embedding for " + image.field() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new BackendUnavailableException("vision call for " + image.field() + " failed: " + e.getMessage(), e);
    }
    int hidden = model.decoder().hiddenSize();
    if (embedding.hiddenSize() != hidden) {
      throw new BackendUnavailableException(
          "vision service returned rows of width " + embedding.hiddenSize() + " for " + image.field()
              + "; this decoder's hidden size is " + hidden + " (different models?)", null);
    }
    return embedding;
  }
}
