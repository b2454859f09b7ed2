package dev.varco.llm;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Points the service under test at the tiny model directory. */
public class TinyModelResource implements QuarkusTestResourceLifecycleManager {
  @Override
  public Map<String, String> start() {
    TinyModelDirectory.prepare();
    return Map.of("varco.model.dir", TinyModelDirectory.PATH.toString());
  }

  @Override
  public void stop() {}
}
