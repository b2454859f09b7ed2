package dev.varco.llm.bench;

import dev.varco.llm.model.DecoderModel;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.transformer.KvCache;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Times a long prompt's prefill and a run of decode steps on one model folder, for profiling with
 * JFR ({@code -XX:StartFlightRecording}). {@code java ... PrefillProfile DIR ROWS DECODE}.
 */
public final class PrefillProfile {
  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    int rows = Integer.parseInt(args[1]);
    int decode = Integer.parseInt(args[2]);
    try (DecoderModel model = DecoderModel.load(dir, 256)) {
      int[] ids = new SplittableRandom(7).ints(rows, 0, model.vocabSize() - 2).toArray();
      for (int round = 0; round < 2; round++) {
        try (KvCache kv = model.newKvCache()) {
          long t0 = System.nanoTime();
          float[] logits = model.prefill(PromptRows.ofTokens(ids), 0, rows, 0, kv);
          long t1 = System.nanoTime();
          for (int i = 0; i < decode; i++) {
            logits = model.decode(ids[i], rows + i, kv);
          }
          long t2 = System.nanoTime();
          System.out.printf("round %d: prefill %d rows %.2f s (%.1f rows/s), decode %.1f tok/s%n",
              round, rows, (t1 - t0) / 1e9, rows / ((t1 - t0) / 1e9), decode / ((t2 - t1) / 1e9));
        }
      }
    }
  }
}
