package dev.varco.llm.bench;

import dev.varco.llm.model.DecoderModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Batched decode steps of 1, 2, 4 and 8 streams on one model folder, for profiling with JFR
 * ({@code -XX:StartFlightRecording}). {@code java ... BatchedDecodeProfile DIR STEPS ROUNDS}.
 */
public final class BatchedDecodeProfile {
  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    int steps = Integer.parseInt(args[1]);
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    try (DecoderModel model = DecoderModel.load(dir, 256)) {
      int[] ids = new SplittableRandom(7).ints(8 * 32, 0, model.vocabSize() - 2).toArray();
      for (int round = 0; round < rounds; round++) {
        Map<String, String> result = new LinkedHashMap<>();
        DecoderBenchmark.Child.aggregateDecode(model, ids, steps, result);
        System.out.println("round " + round + ": " + result);
      }
    }
  }
}
