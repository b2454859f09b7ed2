package dev.varco.eval.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One OpenAI-compatible endpoint ({@code POST /v1/chat/completions}), greedy: temperature 0. A 429
 * or 503 (the gateway's per-key limits, a full queue) and a dropped connection are retried: after
 * the server's {@code Retry-After} where it gives one, else after an exponential backoff (1 s,
 * 2 s, 4 s ... up to 60 s), at most {@code maxRetries} times. Other 4xx are the request's fault and
 * fail at once. Refusals also lower how many requests this client keeps in flight
 * ({@link AdaptiveLimit}), so a run settles at the rate the server admits.
 */
public final class ChatClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final URI endpoint;
  private final URI models;
  private final String apiKey;
  private final Duration timeout;
  private final int maxRetries;
  private final AtomicLong retries = new AtomicLong();
  private final AdaptiveLimit inFlight;

  /** @param concurrency the most requests in flight at once; fewer while the server refuses some */
  public ChatClient(String baseUrl, String apiKey, Duration timeout, int maxRetries, int concurrency) {
    String base = baseUrl.replaceAll("/+$", "").replaceAll("/v1$", "");
    this.endpoint = URI.create(base + "/v1/chat/completions");
    this.models = URI.create(base + "/v1/models");
    this.apiKey = apiKey;
    this.timeout = timeout;
    this.maxRetries = maxRetries;
    this.inFlight = new AdaptiveLimit(concurrency);
  }

  /** Requests retried so far (429, 503, dropped connections), for the run's summary. */
  public long retries() {
    return retries.get();
  }

  /** The first model {@code /v1/models} lists, or null when the endpoint does not say. */
  public String firstModel() {
    try {
      HttpResponse<String> response = http.send(request(models).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200) {
        JsonNode data = JSON.readTree(response.body()).path("data");
        return data.isArray() && !data.isEmpty() ? data.get(0).path("id").asText(null) : null;
      }
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return null;
  }

  /** A user turn of an image then text (or text alone when image is null); returns the answer. */
  public String complete(String model, String imageDataUrl, String text, int maxTokens) throws ChatFailure, InterruptedException {
    ObjectNode body = JSON.createObjectNode();
    if (model != null) {
      body.put("model", model);
    }
    body.put("temperature", 0);
    body.put("max_tokens", maxTokens);
    body.put("stream", false);
    ObjectNode message = body.putArray("messages").addObject().put("role", "user");
    ArrayNode content = message.putArray("content");
    if (imageDataUrl != null) {
      content.addObject().put("type", "image_url").putObject("image_url").put("url", imageDataUrl);
    }
    content.addObject().put("type", "text").put("text", text);
    String payload = body.toString();

    for (int attempt = 0; ; attempt++) {
      Duration wait;
      ChatFailure failure;
      inFlight.acquire();
      boolean refused = false;
      try {
        HttpResponse<String> response = http.send(
            request(endpoint).timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload)).build(),
            HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        refused = status == 429 || status == 503;
        if (status == 200) {
          return answer(response.body());
        }
        failure = new ChatFailure(status, "HTTP " + status + " from " + endpoint + ": " + errorMessage(response.body()));
        if (status != 429 && status != 503) {
          throw failure;
        }
        wait = RetryAfter.parse(response.headers().firstValue("Retry-After").orElse(null), ZonedDateTime.now())
            .orElse(backoff(attempt));
      } catch (IOException e) {
        failure = new ChatFailure(0, endpoint + " unreachable: " + e);
        wait = backoff(attempt);
      } finally {
        inFlight.release(refused);
      }
      if (attempt >= maxRetries) {
        throw new ChatFailure(failure.status(), failure.getMessage() + " (gave up after " + maxRetries + " retries)");
      }
      retries.incrementAndGet();
      // A little jitter, so requests refused together do not all come back at the same instant.
      Thread.sleep(wait.toMillis() + ThreadLocalRandom.current().nextLong(wait.toMillis() / 5 + 50));
    }
  }

  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri);
    if (apiKey != null && !apiKey.isBlank()) {
      builder.header("Authorization", "Bearer " + apiKey);
    }
    return builder;
  }

  private static Duration backoff(int attempt) {
    Duration wait = Duration.ofSeconds(1L << Math.min(attempt, 6));
    return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
  }

  private String answer(String body) throws ChatFailure {
    try {
      JsonNode content = JSON.readTree(body).path("choices").path(0).path("message").path("content");
      if (content.isMissingNode() || content.isNull()) {
        throw new ChatFailure(200, endpoint + " answered without choices[0].message.content: " + abbreviate(body));
      }
      return content.asText();
    } catch (IOException e) {
      throw new ChatFailure(200, endpoint + " answered with something that is not JSON: " + abbreviate(body));
    }
  }

  private static String errorMessage(String body) {
    try {
      JsonNode error = JSON.readTree(body).path("error");
      if (error.hasNonNull("message")) {
        return error.get("message").asText();
      }
    } catch (IOException e) {
      // not JSON: show the start of the body
    }
    return abbreviate(body);
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
