package dev.varco.llm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Start-up refuses shard settings that do not make a coordinator (here: 3 shards but one worker
 * address): the application does not start and the message names the key and the count.
 */
@QuarkusMainTest
@TestProfile(ShardSettingsRefusalTest.OneWorkerMissing.class)
@QuarkusTestResource(TinyModelResource.class)
class ShardSettingsRefusalTest {
  public static class OneWorkerMissing implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.llm.shards", "3", "varco.llm.shard.peers", "127.0.0.1:1");
    }
  }

  @Test
  @Launch(value = {}, exitCode = 1)
  void peersThatDoNotMatchTheShardCountStopStartUp(LaunchResult result) {
    assertEquals(1, result.exitCode());
    String output = result.getOutput() + result.getErrorOutput();
    assertTrue(output.contains("varco.llm.shard.peers must list 2 worker addresses (ranks 1..2), got 1"), output);
  }
}
