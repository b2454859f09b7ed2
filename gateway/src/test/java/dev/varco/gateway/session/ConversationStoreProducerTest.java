package dev.varco.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What the gateway says about its Redis in logs, errors and readiness: never its password. */
class ConversationStoreProducerTest {
  @Test
  void redisHostsAreShownWithoutCredentials() {
    assertEquals("redis://127.0.0.1:6379", ConversationStoreProducer.withoutCredentials("redis://127.0.0.1:6379"));
    assertEquals("redis://host:6379/0", ConversationStoreProducer.withoutCredentials("redis://:s3cret@host:6379/0"));
    assertEquals("rediss://a:1,redis://b:2",
        ConversationStoreProducer.withoutCredentials("rediss://user:pw@a:1, redis://b:2"));
  }
}
