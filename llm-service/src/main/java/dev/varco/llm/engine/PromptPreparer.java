package dev.varco.llm.engine;

import dev.varco.llm.model.ImageEmbedding;
import dev.varco.llm.model.PromptImage;
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
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * Builds a request's prompt rows off the model thread: chat template, tokenization, one vision
 * Encode call per image the KV cache does not already hold, splicing. Enforces the context length
 * once with one position per image (before any image is encoded) and again with the real image
 * sizes.
 *
 * <p>Images are looked up by digest in the KV cache's idle buffers first: an image whose rows lie
 * in the prefix a buffer shares with this prompt (the earlier turns of its conversation) is not
 * encoded; the prompt keeps only its size. Should that buffer be evicted before the request
 * starts, the model thread hands the request back and {@link #encodeMissing} encodes them.
 */
final class PromptPreparer {
  private final LoadedModel model;
  private final VisionEncoderClient vision;
  private final Duration visionTimeout;
  private final long kvBudgetBytes;
  private final Supplier<KvCachePool> kvCache;

  /** @param kvCache the model thread's current pool (null while it has none) */
  PromptPreparer(LoadedModel model, VisionEncoderClient vision, Duration visionTimeout, long kvBudgetBytes,
      Supplier<KvCachePool> kvCache) {
    this.model = model;
    this.vision = vision;
    this.visionTimeout = visionTimeout;
    this.kvBudgetBytes = kvBudgetBytes;
    this.kvCache = kvCache;
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

  /** The prompt rows and the {@code max_tokens} the request runs with. */
  record Prepared(PromptRows prompt, int maxTokens) {}

  /**
   * @param maxTokens the request's {@code max_tokens}; 0 = what the context (and the KV memory one
   *     request may hold) leaves after the prompt, capped by {@code defaultCap} when one is set
   */
  Prepared prepare(GenerationRequest request, int maxTokens, OptionalInt defaultCap, GenerationTicket ticket) {
    int[] ids = promptTokens(request);
    // Before any image is encoded: one position per image and at least one new token must fit.
    checkContext(ids.length, Math.max(1, maxTokens));
    int imageTokenId = model.manifest().llm().imageTokenId();
    // Computed here, not taken from the request: KV reuse must never trust a claimed digest.
    List<String> digests = request.images().stream().map(image -> sha256(image.data())).toList();
    KvCachePool pool = kvCache.get();
    int[] held = pool == null ? new int[0] : pool.heldImageSizes(ids, imageTokenId, digests, request.cachePrompt());
    List<PromptImage> images = new ArrayList<>();
    for (int i = 0; i < digests.size(); i++) {
      if (i < held.length) {
        images.add(PromptImage.heldInCache(digests.get(i), held[i]));
        continue;
      }
      if (ticket.isCancelled()) {
        return null;
      }
      images.add(PromptImage.encoded(encode(request.requestId(), request.images().get(i), ticket), digests.get(i)));
    }
    PromptRows prompt = PromptRows.spliceImages(ids, imageTokenId, images);
    int granted = maxTokens == 0 ? positionsLeft(prompt.length(), defaultCap) : maxTokens;
    checkContext(prompt.length(), Math.max(1, granted));
    return new Prepared(prompt, granted);
  }

  /**
   * Encodes the images of {@code prompt} it holds no rows for (their KV prefix was evicted before
   * the request started): the whole prompt with every row, or null when the ticket was cancelled.
   *
   * @param images the request's images, in prompt order
   */
  PromptRows encodeMissing(String requestId, PromptRows prompt, List<ImageInput> images, GenerationTicket ticket) {
    List<PromptImage> complete = new ArrayList<>(prompt.images());
    for (int i = 0; i < complete.size(); i++) {
      PromptImage image = complete.get(i);
      if (image.hasRows()) {
        continue;
      }
      if (ticket.isCancelled()) {
        return null;
      }
      ImageEmbedding embedding = encode(requestId, images.get(i), ticket);
      if (embedding.tokenCount() != image.tokenCount()) {
        throw new BackendUnavailableException("vision service returned " + embedding.tokenCount() + " rows for "
            + images.get(i).field() + ", which took " + image.tokenCount() + " in this conversation's earlier turn"
            + " (was vision-service's model changed?)", null);
      }
      complete.set(i, PromptImage.encoded(embedding, image.digest()));
    }
    return prompt.withImages(complete);
  }

  /** vLLM's default max_tokens: every position the context and the KV budget leave after the prompt. */
  private int positionsLeft(int promptLength, OptionalInt cap) {
    int left = model.contextLength() - promptLength;
    if (left > 0 && model.decoder().kvFootprint().bytes(promptLength + left) > kvBudgetBytes) {
      left = lastFitting(promptLength, left);
    }
    return cap.isPresent() ? Math.min(left, cap.getAsInt()) : left;
  }

  /** The largest n <= upper whose prompt + n positions fit the KV budget (0 if none): a binary search. */
  private int lastFitting(int promptLength, int upper) {
    int low = 0;
    int high = upper;
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (model.decoder().kvFootprint().bytes(promptLength + mid) <= kvBudgetBytes) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return low;
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  private void checkContext(int promptLength, int maxTokens) {
    if (promptLength >= model.contextLength()) {
      throw new ContextLengthExceededException(
          "messages: the prompt is " + promptLength + " tokens; this model's context length is "
              + model.contextLength() + " tokens, which must hold the prompt and at least one generated token");
    }
    if ((long) promptLength + maxTokens > model.contextLength()) {
      throw new ContextLengthExceededException(
          "sampling.max_tokens: prompt of " + promptLength + " tokens + max_tokens " + maxTokens + " = "
              + ((long) promptLength + maxTokens) + " exceeds the context length of " + model.contextLength()
              + "; at most " + (model.contextLength() - promptLength) + " tokens can be generated for this prompt");
    }
    long kvBytes = model.decoder().kvFootprint().bytes(promptLength + maxTokens);
    if (kvBytes > kvBudgetBytes) {
      throw new ContextLengthExceededException(
          (model.decoder().kvFootprint().bytes(promptLength + 1) > kvBudgetBytes ? "messages" : "sampling.max_tokens")
              + ": prompt of " + promptLength + " tokens + max_tokens " + maxTokens + " needs " + kvBytes
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
