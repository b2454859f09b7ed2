package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;
import dev.varco.llm.transformer.KvCache;
import com.github.tjake.jlama.tensor.Q4ByteBufferTensor;
import com.github.tjake.jlama.tensor.Q8ByteBufferTensor;
import dev.varco.llm.TinyModelDirectory;
import dev.varco.model.convert.CheckpointConverter;
import dev.varco.model.convert.ConversionListener;
import dev.varco.model.convert.ConversionOptions;
import dev.varco.model.manifest.DecoderWeightType;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.safetensors.SafetensorsCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The service loads the decoder in each of model-tools' weight types and computes with it: the
 * tiny checkpoint converted as F32, BF16, Q8 and Q4, the same prompt prefilled (chunks of 4 rows,
 * the service's default) and decoded greedily, compared with the F32 conversion.
 */
class WeightVariantsTest {
  static final Path ROOT = Path.of("target", "weight-variants").toAbsolutePath();
  static final int[] PROMPT = {151644, 872, 198, 9707, 11, 1879, 0, 126246, 144370, 91145, 13, 151645, 198, 151644,
      77091, 198};
  static final int DECODE_STEPS = 8;
  /*
   * BF16 must equal F32 exactly: the tiny checkpoint is bf16, so both conversions hold the same
   * values, and the kernels widen BF16 exactly and run F32 activations for every weight type.
   * Q8/Q4: bounds on max |d logit| / std(F32 logits) and on the cosine of the logit vectors, over
   * every step whose history still agrees with the F32 run, measured on the tiny model (random
   * N(0, 0.02) weights, hidden 64, 2 layers): see the printed line of each run. Random weights give
   * near-uniform logits, so any error may flip the argmax (real checkpoints have peaked logits).
   */
  static final double Q8_RELATIVE = 0.1;
  static final double Q8_COSINE = 0.9995;
  static final double Q4_RELATIVE = 1.0;
  static final double Q4_COSINE = 0.98;

  static final Map<DecoderWeightType, Path> llmDirs = new EnumMap<>(DecoderWeightType.class);
  static final Map<DecoderWeightType, Run> runs = new EnumMap<>(DecoderWeightType.class);

  record Run(int[] tokens, List<float[]> logits) {}

  @BeforeAll
  static void convertAndRunEachVariant() throws Exception {
    ModelManifest tiny = TinyModelDirectory.prepare();
    Path checkpoint = Path.of(TinyModelDirectory.PATH + "-hf");
    Path workDir = Files.createDirectories(ROOT.resolve("work"));
    for (DecoderWeightType type : DecoderWeightType.values()) {
      Path out = ROOT.resolve(type.key());
      ModelManifest manifest = CheckpointConverter.convert(checkpoint, out, null,
          new ConversionOptions(Set.of(), type), ConversionListener.SILENT);
      assertEquals(type, manifest.llm().decoderWeightType());
      assertEquals(tiny.files().get("llm/model.safetensors").sha256().equals(
          manifest.files().get("llm/model.safetensors").sha256()), type == DecoderWeightType.BF16);
      llmDirs.put(type, out.resolve(manifest.llm().dir()));
      runs.put(type, run(llmDirs.get(type), workDir));
    }
  }

  private static Run run(Path llmDir, Path workDir) {
    try (DecoderModel model = DecoderModel.load(llmDir, 4);
        KvCache kv = model.newKvCache()) {
      List<float[]> logits = new ArrayList<>();
      int[] tokens = new int[DECODE_STEPS];
      float[] next = model.prefill(PromptRows.ofTokens(PROMPT), 0, PROMPT.length, 0, kv);
      for (int step = 0; step < DECODE_STEPS; step++) {
        logits.add(next);
        tokens[step] = argmax(next);
        next = model.decode(tokens[step], PROMPT.length + step, kv);
      }
      return new Run(tokens, logits);
    }
  }

  @Test
  void bf16GivesTheTokensAndLogitsOfF32() {
    assertArrayEquals(runs.get(DecoderWeightType.F32).tokens(), runs.get(DecoderWeightType.BF16).tokens());
    for (int step = 0; step < DECODE_STEPS; step++) {
      assertArrayEquals(runs.get(DecoderWeightType.F32).logits().get(step), runs.get(DecoderWeightType.BF16).logits().get(step),
          "step " + step);
    }
  }

  @Test
  void q8StaysCloseToF32() {
    compare(DecoderWeightType.Q8, Q8_RELATIVE, Q8_COSINE);
  }

  @Test
  void q4StaysCloseToF32() {
    compare(DecoderWeightType.Q4, Q4_RELATIVE, Q4_COSINE);
  }

  private static void compare(DecoderWeightType type, double relative, double cosine) {
    Run f32 = runs.get(DecoderWeightType.F32);
    Run other = runs.get(type);
    double worst = 0;
    double worstAbsolute = 0;
    double worstCosine = 1;
    int steps = 0;
    for (int step = 0; step < DECODE_STEPS; step++) {
      // Step s's logits come from the prompt and tokens 0..s-1: comparable while those agree.
      float[] expected = f32.logits().get(step);
      float[] actual = other.logits().get(step);
      worstAbsolute = Math.max(worstAbsolute, maxAbsDiff(expected, actual));
      worst = Math.max(worst, maxAbsDiff(expected, actual) / std(expected));
      worstCosine = Math.min(worstCosine, cosine(expected, actual));
      steps++;
      if (f32.tokens()[step] != other.tokens()[step]) {
        break;
      }
    }
    int agree = 0;
    while (agree < DECODE_STEPS && f32.tokens()[agree] == other.tokens()[agree]) {
      agree++;
    }
    System.out.printf("%s vs f32 over %d steps: max |d logit| = %.3g = %.3g std, min cosine %.7f,"
        + " %d of %d greedy tokens agree%n", type.key(), steps, worstAbsolute, worst, worstCosine, agree, DECODE_STEPS);
    assertTrue(worst <= relative, type.key() + ": max |d logit| / std = " + worst);
    assertTrue(worstCosine >= cosine, type.key() + ": cosine " + worstCosine);
  }

  /**
   * Jlama itself reads the converter's Q8/Q4 blocks back to the source values within the format's
   * bound: half a scale (a whole scale where Q4 clips at +7).
   */
  @Test
  void jlamaReadsTheQuantizedBlocksAsTheSourceValues() throws Exception {
    Path checkpoint = Path.of(TinyModelDirectory.PATH + "-hf");
    String name = "model.layers.1.mlp.down_proj.weight";
    float[] source;
    try (SafetensorsCheckpoint hf = SafetensorsCheckpoint.open(checkpoint)) {
      source = hf.floats("language_model." + name);
    }
    for (DecoderWeightType type : List.of(DecoderWeightType.Q8, DecoderWeightType.Q4)) {
      WeightLoader weights = SafeTensorSupport.loadWeights(llmDirs.get(type).toFile());
      AbstractTensor tensor = weights.load(name);
      assertEquals(type == DecoderWeightType.Q8 ? DType.I8 : DType.Q4, tensor.dType());
      int rows = tensor.shape().dim(0);
      int cols = tensor.shape().dim(1);
      assertEquals(source.length, rows * cols);
      double worst = 0;
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          float scale = Math.abs(type == DecoderWeightType.Q8
              ? ((Q8ByteBufferTensor) tensor).getFactorForIndex(r, c)
              : ((Q4ByteBufferTensor) tensor).getFactorForIndex(r, c));
          float x = source[r * cols + c];
          double error = Math.abs(tensor.get(r, c) - x);
          assertTrue(error <= scale * (1 + 1e-5), type.key() + " [" + r + "," + c + "]: " + x + " vs "
              + tensor.get(r, c) + " (scale " + scale + ")");
          worst = Math.max(worst, error / scale);
        }
      }
      System.out.printf("%s: Jlama's reading of %s is within %.3f scale of the source%n", type.key(), name, worst);
      if (type == DecoderWeightType.Q8) {
        assertTrue(worst <= 0.5 + 1e-4, "q8 error " + worst + " scale");
      }
      // Embeddings stay exact: the bf16 source values.
      assertEquals(DType.BF16, weights.load("model.embed_tokens.weight").dType());
      assertEquals(DType.BF16, weights.load("lm_head.weight").dType());
      weights.close();
    }
  }

  /**
   * The converter's blocks are byte for byte what Jlama's own offline quantizer
   * ({@code SafeTensorSupport.quantizeModel}) writes for the same values (the F32 conversion holds
   * the bf16 source values exactly), scales included.
   */
  @Test
  void convertedBlocksAreTheBytesOfJlamasOwnQuantizer() throws Exception {
    for (DecoderWeightType type : List.of(DecoderWeightType.Q8, DecoderWeightType.Q4)) {
      Path jlama = jlamaQuantized(llmDirs.get(DecoderWeightType.F32), ROOT.resolve("jlama-" + type.key()),
          type == DecoderWeightType.Q8 ? DType.I8 : DType.Q4);
      int compared = 0;
      try (var ours = dev.varco.model.safetensors.SafetensorsFile.open(llmDirs.get(type).resolve("model.safetensors"));
          var theirs = dev.varco.model.safetensors.SafetensorsFile.open(jlama.resolve("model.safetensors"))) {
        for (String name : ours.tensors().keySet()) {
          if (ours.info(name).dtype() == dev.varco.model.safetensors.SafetensorsDType.BF16) {
            continue; // kept float: Jlama's copy of the F32 folder is F32
          }
          assertArrayEquals(ours.info(name).shape(), theirs.info(name).shape(), name);
          assertEquals(ours.info(name).dtype(), theirs.info(name).dtype(), name);
          assertEquals(ours.bytes(name), theirs.bytes(name), type.key() + " " + name);
          compared++;
        }
      }
      assertEquals(2 * 2 * 7, compared, "each quantized matrix and its .qb scales");
    }
  }

  /**
   * Jlama's quantizer on an F32 Qwen2 folder, leaving embeddings, lm_head, norms and biases F32
   * (its skip list matches substrings). It wants a README.md in the source folder and writes a
   * temporary copy under java.io.tmpdir (deleted on exit).
   */
  private static Path jlamaQuantized(Path f32Dir, Path out, DType type) throws Exception {
    Path source = ROOT.resolve("jlama-source-" + out.getFileName());
    deleteTree(source);
    deleteTree(out);
    Files.createDirectories(source);
    try (var files = Files.list(f32Dir)) {
      for (Path file : files.toList()) {
        Files.createSymbolicLink(source.resolve(file.getFileName()), file.toAbsolutePath());
      }
    }
    Files.writeString(source.resolve("README.md"), "test model\n");
    return SafeTensorSupport.quantizeModel(source, type,
        new String[] {"embed_tokens", "lm_head", "norm", "bias"}, null, java.util.Optional.of(out));
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /**
   * At Qwen2.5-0.5B's width (hidden 896, where jlama-native's batched F32 kernels were measured
   * wrong above 5 rows) a Q4 decoder prefilled in the service's chunks of 4 rows still computes
   * what token-by-token decoding computes. Random F32 weights quantized by Jlama's own quantizer
   * (the same bytes as the converter's, see above).
   */
  @Test
  void q4ChunkedPrefillIsExactAtRealisticWidth() throws Exception {
    var shape = new RandomQwen2Checkpoint.Shape(896, 1024, 2, 14, 2, 300, 512);
    Path f32 = RandomQwen2Checkpoint.write(ROOT.resolve("random-896-f32"), shape, 42);
    Path q4 = jlamaQuantized(f32, ROOT.resolve("random-896-q4"), DType.Q4);
    Files.copy(f32.resolve("tokenizer.json"), q4.resolve("tokenizer.json"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    int[] tokens = new java.util.SplittableRandom(7).ints(24, 0, shape.vocab() - 2).toArray();
    Path workDir = ROOT.resolve("work");
    float[] reference;
    try (DecoderModel model = DecoderModel.load(q4, 1); KvCache kv = model.newKvCache()) {
      float[] last = null;
      for (int i = 0; i < tokens.length; i++) {
        last = model.decode(tokens[i], i, kv);
      }
      reference = last;
    }
    try (DecoderModel model = DecoderModel.load(q4, 4); KvCache kv = model.newKvCache()) {
      float[] chunked = model.prefill(PromptRows.ofTokens(tokens), 0, tokens.length, 0, kv);
      double diff = maxAbsDiff(reference, chunked);
      System.out.printf("q4 at hidden 896, chunks of 4 vs token by token: max |d logit| = %.3g%n", diff);
      assertTrue(diff <= 1e-6, "max |d logit| = " + diff);
    }
  }

  /** A Q4 decoder prefilled in chunks of 4 rows computes what token-by-token decoding computes. */
  @Test
  void q4ChunkedPrefillMatchesTokenByToken() {
    Path workDir = ROOT.resolve("work");
    float[] chunked = runs.get(DecoderWeightType.Q4).logits().get(0);
    try (DecoderModel model = DecoderModel.load(llmDirs.get(DecoderWeightType.Q4), 1);
        KvCache kv = model.newKvCache()) {
      float[] last = null;
      for (int i = 0; i < PROMPT.length; i++) {
        last = model.decode(PROMPT[i], i, kv);
      }
      double diff = maxAbsDiff(last, chunked);
      System.out.printf("q4 chunked prefill vs token by token: max |d logit| = %.3g%n", diff);
      assertTrue(diff <= 1e-6, "max |d logit| = " + diff);
    }
  }

  private static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }

  private static double std(float[] values) {
    double mean = 0;
    for (float v : values) {
      mean += v;
    }
    mean /= values.length;
    double variance = 0;
    for (float v : values) {
      variance += (v - mean) * (v - mean);
    }
    return Math.sqrt(variance / values.length);
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
