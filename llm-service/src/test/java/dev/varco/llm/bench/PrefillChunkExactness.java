package dev.varco.llm.bench;

import dev.varco.llm.transformer.KvCache;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import dev.varco.llm.model.DecoderModel;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.RandomQwen2Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Which prefill chunk sizes are exact (max |Δ logit| vs token-by-token) with the kernels this JVM
 * picked (jlama-native, or Panama with {@code -Djlama.force_panama_tensor_operations=true}), at
 * hidden 896 in F32 and BF16. A probe for choosing varco.llm.prefill-chunk-rows; not a test.
 * Args: chunk sizes (default 1 2 4 5 6 8 16 32).
 */
public final class PrefillChunkExactness {
  private PrefillChunkExactness() {}

  public static void main(String[] args) throws Exception {
    int[] chunks = args.length == 0 ? new int[] {1, 2, 4, 5, 6, 8, 16, 32}
        : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    var shape = new RandomQwen2Checkpoint.Shape(896, 1024, 2, 14, 2, 300, 512);
    Path root = Path.of("target", "chunk-exactness");
    Path f32 = root.resolve("f32");
    Path bf16 = root.resolve("bf16");
    if (!Files.exists(bf16.resolve("model.safetensors"))) {
      RandomQwen2Checkpoint.writeAll(
          Map.of(RandomQwen2Checkpoint.Format.F32, f32, RandomQwen2Checkpoint.Format.BF16, bf16), shape, true, 42, s -> {});
    }
    Path work = Files.createDirectories(root.resolve("work-" + ProcessHandle.current().pid()));
    int length = 40;
    int[] tokens = new SplittableRandom(7).ints(length, 0, shape.vocab() - 2).toArray();
    System.out.println("kernels: " + TensorOperationsProvider.get().name());
    for (Path dir : new Path[] {f32, bf16}) {
      float[] reference;
      try (DecoderModel model = DecoderModel.load(dir, 1); KvCache kv = model.newKvCache()) {
        reference = null;
        for (int i = 0; i < length; i++) {
          reference = model.decode(tokens[i], i, kv);
        }
      }
      for (int chunk : chunks) {
        try (DecoderModel model = DecoderModel.load(dir, chunk); KvCache kv = model.newKvCache()) {
          float[] got = model.prefill(PromptRows.ofTokens(tokens), 0, length, 0, kv);
          double worst = 0;
          for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - reference[i]));
          }
          System.out.printf("%s chunk %2d: max |d logit| = %.3g%n", dir.getFileName(), chunk, worst);
        }
      }
    }
  }
}
