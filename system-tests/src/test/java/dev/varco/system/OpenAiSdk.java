package dev.varco.system;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import java.time.Duration;

/**
 * The official OpenAI Java SDK pointed at the running stack's gateway: explicit base URL, dummy
 * key, no retries (a failure shows on the first try), a timeout long enough for a CPU turn.
 */
final class OpenAiSdk {
  private OpenAiSdk() {}

  static OpenAIClient connect() {
    return OpenAIOkHttpClient.builder()
        .baseUrl(RunningStack.get().gatewayUrl() + "/v1")
        .apiKey("not-needed")
        .maxRetries(0)
        .timeout(Duration.ofMinutes(5))
        .build();
  }
}
