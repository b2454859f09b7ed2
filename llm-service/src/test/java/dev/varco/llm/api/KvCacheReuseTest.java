package dev.varco.llm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelResource;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.Usage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * Multi-turn KV reuse through the gRPC API: the second turn prefills only what the first did not
 * (counted in usage.cached_prompt_tokens, not timed), and every answer equals the one computed
 * without the cache.
 */
@QuarkusTest
@QuarkusTestResource(TinyModelResource.class)
class KvCacheReuseTest extends GrpcApiTest {
  @Test
  void theSecondTurnPrefillsOnlyItsNewSuffixAndAnswersAsACleanRun() {
    String question = "여우에 대해 알려줘. Tell me about foxes in Korea.";
    GenerateOutcome first = generate(request(greedy(12), text("user", question)));
    Usage firstUsage = first.completion().getUsage();
    assertEquals(0, firstUsage.getCachedPromptTokens(), "a new conversation has nothing cached");
    double hitsBefore = MetricsScrape.value("vllm:prefix_cache_hits_total");

    GenerateRequest secondTurn = request(greedy(12),
        text("user", question), text("assistant", first.text()), text("user", "그리고 색깔은? And their colour?"));
    GenerateOutcome second = generate(secondTurn);
    Usage secondUsage = second.completion().getUsage();
    int cached = secondUsage.getCachedPromptTokens();
    // All of turn 1's prompt is reused, plus the answer tokens the model fed back (all but the
    // last sampled one) as far as the re-rendered answer tokenizes the same way.
    assertTrue(cached >= firstUsage.getPromptTokens(), "cached " + cached + " >= turn 1 prompt " + firstUsage.getPromptTokens());
    assertTrue(cached <= firstUsage.getPromptTokens() + firstUsage.getCompletionTokens() - 1, "cached " + cached);
    assertTrue(cached < secondUsage.getPromptTokens());
    assertEquals(hitsBefore + cached, MetricsScrape.value("vllm:prefix_cache_hits_total"), "prefix cache hit metric");

    GenerateOutcome clean = generate(secondTurn.toBuilder().setCachePrompt(false).build());
    assertEquals(0, clean.completion().getUsage().getCachedPromptTokens(), "cache_prompt=false reuses nothing");
    assertEquals(clean.text(), second.text(), "same greedy answer with and without the cache");
    assertEquals(clean.completion().getFinishReason(), second.completion().getFinishReason());
    assertEquals(clean.completion().getUsage().getCompletionTokens(), secondUsage.getCompletionTokens());

    // The same turn again: everything but the last prompt position comes from the cache.
    GenerateOutcome again = generate(secondTurn);
    assertEquals(secondUsage.getPromptTokens() - 1, again.completion().getUsage().getCachedPromptTokens());
    assertEquals(second.text(), again.text());
  }

  @Test
  void anUnrelatedConversationDoesNotTakeAnotherOnesCache() {
    String question = "Which rivers flow through Seoul?";
    GenerateOutcome first = generate(request(greedy(8), text("user", question)));
    // Shares only the template's opening tokens with the first conversation: a fresh buffer.
    GenerateOutcome other = generate(request(greedy(8), text("user", "부산의 바다는 어때?")));
    assertEquals(0, other.completion().getUsage().getCachedPromptTokens());
    GenerateOutcome secondTurn = generate(request(greedy(8),
        text("user", question), text("assistant", first.text()), text("user", "And bridges?")));
    assertTrue(secondTurn.completion().getUsage().getCachedPromptTokens() >= first.completion().getUsage().getPromptTokens(),
        "the first conversation's cache survived the other one");
  }
}
