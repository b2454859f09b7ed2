package dev.varco.llm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The KV memory budget: a request that cannot fit is refused naming the key, and idle
 * conversations are evicted least recently used first. The tiny model's KV pages cover 64
 * positions in 32 KiB (2 layers x key and value x 64 positions x 2 KV heads x 16 x 4 bytes), so a
 * 64 KiB budget holds two short conversations, one of them possibly running.
 */
@QuarkusTest
@TestProfile(KvCacheBudgetTest.TwoPages.class)
@QuarkusTestResource(TinyModelResource.class)
class KvCacheBudgetTest extends GrpcApiTest {
  public static class TwoPages implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.llm.kv-cache.max-bytes", "64K");
    }
  }

  @Test
  void aRequestOverTheBudgetIsRefusedNamingTheKey() {
    // prompt + 5000 positions need 79 pages, 2.5 MiB.
    var e = assertThrows(StatusRuntimeException.class, () -> generate(request(greedy(5000), text("user", "hi"))));
    assertEquals(Status.Code.OUT_OF_RANGE, e.getStatus().getCode(), "the server's effective context is exceeded");
    assertTrue(e.getStatus().getDescription().startsWith("sampling.max_tokens: "), e.getStatus().getDescription());
    assertTrue(e.getStatus().getDescription().contains("varco.llm.kv-cache.max-bytes"), e.getStatus().getDescription());
    assertEquals(3, generate(request(greedy(3), text("user", "hi"))).completion().getUsage().getCompletionTokens(),
        "the next request is served");
  }

  /** max_tokens 0 gets the positions the KV budget leaves (two pages here), not a fixed 512 it cannot hold. */
  @Test
  void anUnsetMaxTokensStaysWithinTheBudget() {
    GenerateOutcome served = generate(request(greedy(0), text("user", "hi")));
    var usage = served.completion().getUsage();
    assertTrue(usage.getCompletionTokens() >= 1, "generated " + usage.getCompletionTokens());
    assertTrue(usage.getPromptTokens() + usage.getCompletionTokens() <= 2 * 64,
        "within two 64-position pages: " + usage);
  }

  @Test
  void idleConversationsAreEvictedLeastRecentlyUsedFirst() {
    String a = "Conversation A: tell me about tigers.";
    String b = "Conversation B: 호랑이 말고 곰 이야기를 해줘.";
    String c = "Conversation C: what about cranes?";
    GenerateOutcome a1 = generate(request(greedy(6), text("user", a)));
    GenerateOutcome b1 = generate(request(greedy(6), text("user", b)));
    // C reserves a page while it runs: A, the least recently used, is evicted; C is kept after.
    generate(request(greedy(6), text("user", c)));
    assertTrue(MetricsScrape.value("vllm:kv_cache_usage_perc") <= 1.0);
    GenerateOutcome b2 = generate(request(greedy(6), text("user", b), text("assistant", b1.text()), text("user", "More.")));
    assertTrue(b2.completion().getUsage().getCachedPromptTokens() >= b1.completion().getUsage().getPromptTokens(),
        "B survived: cached " + b2.completion().getUsage().getCachedPromptTokens());
    GenerateOutcome a2 = generate(request(greedy(6), text("user", a), text("assistant", a1.text()), text("user", "More.")));
    assertEquals(0, a2.completion().getUsage().getCachedPromptTokens(), "A was evicted");
  }
}
