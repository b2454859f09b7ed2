package dev.varco.model.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.varco.model.checkpoint.Qwen2TextConfig;
import dev.varco.model.checkpoint.UnsupportedCheckpointException;
import dev.varco.model.manifest.DecoderWeightType;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.safetensors.SafetensorsCheckpoint;
import dev.varco.model.safetensors.SafetensorsDType;
import dev.varco.model.safetensors.SafetensorsFile;
import dev.varco.model.safetensors.TensorInfo;
import dev.varco.model.tiny.TinyCheckpointGenerator;
import dev.varco.model.tiny.TinyModelSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --decoder-dtype}: the decoder written as F32, BF16, Jlama Q8 and Q4 from the tiny bf16
 * checkpoint (and from its 3-shard form), checked tensor by tensor against the source with an
 * independent reading of Jlama's block layout; plus the exact file sizes behind the README's
 * memory table.
 */
class DecoderWeightTypeTest {
  @TempDir static Path work;
  static Path checkpoint;
  static final Map<DecoderWeightType, Path> models = new EnumMap<>(DecoderWeightType.class);
  static final Map<DecoderWeightType, ModelManifest> manifests = new EnumMap<>(DecoderWeightType.class);

  @BeforeAll
  static void convertEveryWay() throws IOException {
    checkpoint = work.resolve("hf");
    new TinyCheckpointGenerator(TinyModelSpec.DEFAULT, 5).generate(checkpoint, 1);
    for (DecoderWeightType type : DecoderWeightType.values()) {
      Path out = work.resolve("model-" + type.key());
      manifests.put(type, CheckpointConverter.convert(checkpoint, out, null,
          new ConversionOptions(Set.of(), type), ConversionListener.SILENT));
      models.put(type, out);
    }
  }

  static boolean quantizedMatrix(String name) {
    return name.matches("model\\.layers\\.\\d+\\.(self_attn\\.[qkvo]_proj|mlp\\.(gate|up|down)_proj)\\.weight");
  }

  static String sourceName(String name) {
    return name.equals("lm_head.weight") ? "language_model.lm_head.weight" : "language_model." + name;
  }

  @Test
  void manifestAndConfigNameTheWeightType() throws IOException {
    for (DecoderWeightType type : DecoderWeightType.values()) {
      ModelManifest.Llm llm = manifests.get(type).llm();
      assertEquals(type.key(), llm.weightType());
      assertEquals(type, llm.decoderWeightType());
      String floatType = type == DecoderWeightType.F32 ? "float32" : "bfloat16";
      assertEquals(floatType, llm.dtype(), type.key());
      assertEquals(floatType, new ObjectMapper().readTree(models.get(type).resolve("llm/config.json").toFile())
          .get("torch_dtype").asText());
    }
  }

  @Test
  void float32IsTheBf16SourceWidenedExactly() throws IOException {
    try (SafetensorsFile llm = SafetensorsFile.open(models.get(DecoderWeightType.F32).resolve("llm/model.safetensors"));
        SafetensorsCheckpoint source = SafetensorsCheckpoint.open(checkpoint)) {
      assertEquals(3 + 2 * 12, llm.tensors().size());
      for (String name : llm.tensors().keySet()) {
        assertEquals(SafetensorsDType.F32, llm.info(name).dtype(), name);
        assertArrayEquals(source.floats(sourceName(name)), llm.floats(name), name);
      }
    }
  }

  @Test
  void bf16IsTheSourceByteForByte() throws IOException {
    try (SafetensorsFile llm = SafetensorsFile.open(models.get(DecoderWeightType.BF16).resolve("llm/model.safetensors"));
        SafetensorsCheckpoint source = SafetensorsCheckpoint.open(checkpoint)) {
      for (String name : llm.tensors().keySet()) {
        assertEquals(source.bytes(sourceName(name)), llm.bytes(name), name);
      }
    }
  }

  @Test
  void q8BlocksDequantizeWithinHalfAScale() throws IOException {
    checkQuantized(DecoderWeightType.Q8);
  }

  @Test
  void q4BlocksDequantizeWithinHalfAScale() throws IOException {
    checkQuantized(DecoderWeightType.Q4);
  }

  /**
   * Reads the blocks back by the layout Jlama's Q8ByteBufferTensor / Q4ByteBufferTensor use (one
   * float32 scale per 32 values in {@code <name>.qb}; Q8: one signed byte a value; Q4: byte j of a
   * block = value j low nibble, value j+16 high nibble, offset by 8) and compares with the source.
   */
  private static void checkQuantized(DecoderWeightType type) throws IOException {
    int quantized = 0;
    double worstRelativeToScale = 0;
    try (SafetensorsFile llm = SafetensorsFile.open(models.get(type).resolve("llm/model.safetensors"));
        SafetensorsCheckpoint source = SafetensorsCheckpoint.open(checkpoint)) {
      for (String name : llm.tensors().keySet()) {
        if (name.endsWith(".qb")) {
          assertTrue(llm.tensors().containsKey(name.substring(0, name.length() - 3)), name);
          continue;
        }
        TensorInfo info = llm.info(name);
        if (!quantizedMatrix(name)) {
          // Embeddings, lm_head, norms and biases: exact (the bf16 source bytes), no scales.
          assertEquals(SafetensorsDType.BF16, info.dtype(), name);
          assertEquals(source.bytes(sourceName(name)), llm.bytes(name), name);
          assertFalse(llm.tensors().containsKey(name + ".qb"), name);
          continue;
        }
        quantized++;
        assertEquals(type == DecoderWeightType.Q8 ? SafetensorsDType.I8 : SafetensorsDType.Q4, info.dtype(), name);
        assertArrayEquals(source.info(sourceName(name)).shape(), info.shape(), name);
        float[] expected = source.floats(sourceName(name));
        float[] scales = llm.floats(name + ".qb");
        assertArrayEquals(new long[] {info.shape()[0], info.shape()[1] / 32}, llm.info(name + ".qb").shape());
        ByteBuffer q = llm.bytes(name);
        for (int block = 0; block < scales.length; block++) {
          float scale = scales[block];
          float amax = 0;
          for (int i = 0; i < 32; i++) {
            amax = Math.max(amax, Math.abs(expected[block * 32 + i]));
          }
          for (int i = 0; i < 32; i++) {
            float x = expected[block * 32 + i];
            float value;
            double bound = Math.abs(scale) / 2 * (1 + 1e-5);
            if (type == DecoderWeightType.Q8) {
              assertEquals(amax / 127, scale, amax * 1e-6, name);
              value = q.get(block * 32 + i) * scale;
            } else {
              assertEquals(amax / 8, Math.abs(scale), 0, name);
              int b = q.get(block * 16 + (i % 16)) & 0xff;
              int nibble = i < 16 ? b & 0x0f : b >>> 4;
              value = (nibble - 8) * scale;
              // Q4's codes run -8..7 times the scale: a value of the other sign than the block's
              // largest, above 7.5 scales, clips to 7 (error up to one scale).
              if (x / scale > 7.5) {
                bound = Math.abs(scale) * (1 + 1e-5);
              }
            }
            double error = Math.abs(value - x);
            assertTrue(error <= bound, name + " block " + block + " value " + i + ": " + x + " -> " + value);
            if (scale != 0) {
              worstRelativeToScale = Math.max(worstRelativeToScale, error / Math.abs(scale));
            }
          }
        }
      }
    }
    assertEquals(2 * 7, quantized);
    System.out.printf("%s: worst |dequantized - source| = %.3f scale%n", type.key(), worstRelativeToScale);
  }

  @Test
  void shardedCheckpointQuantizesToTheSameBytes() throws IOException {
    Path sharded = work.resolve("hf-sharded");
    new TinyCheckpointGenerator(TinyModelSpec.DEFAULT, 5).generate(sharded, 3);
    assertTrue(Files.isRegularFile(sharded.resolve("model-00003-of-00003.safetensors")));
    ModelManifest fromShards = CheckpointConverter.convert(sharded, work.resolve("model-q4-sharded"), null,
        new ConversionOptions(Set.of(), DecoderWeightType.Q4), ConversionListener.SILENT);
    assertEquals(manifests.get(DecoderWeightType.Q4).files(), fromShards.files());
    assertEquals(-1L, Files.mismatch(models.get(DecoderWeightType.Q4).resolve("llm/model.safetensors"),
        work.resolve("model-q4-sharded/llm/model.safetensors")));
  }

  @Test
  void plannedFileSizeIsTheWrittenFileSize() throws IOException {
    Qwen2TextConfig text = tinyText();
    for (DecoderWeightType type : DecoderWeightType.values()) {
      long planned = LanguageModelExporter.plan(text, SafetensorsDType.BF16, type).fileBytes();
      assertEquals(Files.size(models.get(type).resolve("llm/model.safetensors")), planned, type.key());
      assertEquals(planned, manifests.get(type).files().get("llm/model.safetensors").bytes());
    }
  }

  @Test
  void rowsThatAreNotWholeBlocksAreRefusedForQ8AndQ4Only() {
    Qwen2TextConfig odd = new Qwen2TextConfig("qwen2", 48, 96, 1, 4, 2, 1000, 4096, 1e6, 1e-6, false, List.of(),
        List.of(1), JsonNodeFactory.instance.objectNode());
    LanguageModelExporter.checkQuantizable(odd, DecoderWeightType.BF16);
    LanguageModelExporter.checkQuantizable(odd, DecoderWeightType.F32);
    var refused = assertThrows(UnsupportedCheckpointException.class,
        () -> LanguageModelExporter.checkQuantizable(odd, DecoderWeightType.Q4));
    assertTrue(refused.getMessage().contains("not a multiple of Jlama's block of 32"), refused.getMessage());
  }

  @Test
  void unknownDecoderDtypeNamesTheAllowedValues() {
    var error = assertThrows(IllegalArgumentException.class, () -> DecoderWeightType.parse("q5"));
    assertEquals("unknown decoder dtype 'q5' (allowed: f32, bf16, q8, q4)", error.getMessage());
    assertEquals(DecoderWeightType.Q4, DecoderWeightType.parse("Q4"));
  }

  /**
   * The README's table: exact sizes of llm/model.safetensors for VARCO-VISION-14B-HF's decoder
   * (Qwen2.5-14B text_config), computed with the same planning code the export uses (asserted
   * against real files above).
   */
  @Test
  void varcoVision14bDecoderSizes() throws IOException {
    Qwen2TextConfig text = new Qwen2TextConfig("qwen2", 5120, 13824, 48, 40, 8, 152064, 32768, 1e6, 1e-6, false,
        List.of(), List.of(151645), JsonNodeFactory.instance.objectNode());
    long params = 0;
    for (long[] shape : LanguageModelExporter.targetShapes(text).values()) {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      params += n;
    }
    assertEquals(14_770_033_664L, params);
    Map<DecoderWeightType, Long> data = new EnumMap<>(DecoderWeightType.class);
    for (DecoderWeightType type : DecoderWeightType.values()) {
      var plan = LanguageModelExporter.plan(text, SafetensorsDType.BF16, type);
      data.put(type, plan.dataBytes());
      assertTrue(plan.fileBytes() - plan.dataBytes() < 200_000, "header of " + type.key());
      System.out.printf("14B decoder %s: file %d bytes (%.2f GiB, %.2f GB), data %d bytes%n", type.key(),
          plan.fileBytes(), plan.fileBytes() / (double) (1L << 30), plan.fileBytes() / 1e9, plan.dataBytes());
    }
    // Data bytes follow from the parameter count: 4 and 2 bytes a value; the quantized matrices
    // 1 + 4/32 (Q8) or 1/2 + 4/32 (Q4) bytes a value, everything else (embeddings, lm_head, norms,
    // biases) 2.
    long matrices = 48L * (2L * 5120 * 5120 + 2L * 1024 * 5120 + 3L * 13824 * 5120);
    long rest = params - matrices;
    assertEquals(4 * params, data.get(DecoderWeightType.F32));
    assertEquals(2 * params, data.get(DecoderWeightType.BF16));
    assertEquals(matrices + matrices / 8 + 2 * rest, data.get(DecoderWeightType.Q8));
    assertEquals(matrices / 2 + matrices / 8 + 2 * rest, data.get(DecoderWeightType.Q4));
  }

  /**
   * The other rows of the README's table, from shapes: Jlama's KV cache (F32 working memory: K and
   * V of kv_heads x head_dim floats per layer per token) and the vision encoder graph
   * (SigLIP so400m, all 27 layers exported, no pooling head, plus the 2-layer projector) in FP32.
   */
  @Test
  void varcoVision14bKvCacheAndEncoderSizes() {
    long kvPerToken = 2L * 48 * 8 * 128 * Float.BYTES;
    assertEquals(393_216L, kvPerToken);
    assertEquals(3L << 30, kvPerToken * 8192, "8k tokens of KV = 3 GiB");
    long d = 1152;
    long mlp = 4304;
    long layer = 4 * (d * d + d) + (d * mlp + mlp) + (mlp * d + d) + 2 * 2 * d;
    long tower = 27 * layer + (d * 3 * 14 * 14 + d) + 729 * d;
    long projector = (d * 5120 + 5120) + (5120L * 5120 + 5120);
    assertEquals(412_984_944L, tower);
    assertEquals(32_122_880L, projector);
    System.out.printf("14B KV per token %d bytes; 8k tokens %.2f GiB; encoder %d params, FP32 %.2f GiB%n",
        kvPerToken, kvPerToken * 8192 / (double) (1L << 30), tower + projector,
        (tower + projector) * 4 / (double) (1L << 30));
  }

  private static Qwen2TextConfig tinyText() {
    TinyModelSpec spec = TinyModelSpec.DEFAULT;
    return new Qwen2TextConfig("qwen2", spec.textHiddenSize(), spec.textIntermediateSize(), spec.textLayers(),
        spec.textHeads(), spec.textKeyValueHeads(), spec.vocabSize(), spec.maxPositionEmbeddings(), 1e6, 1e-6, false,
        List.of(), List.of(1), JsonNodeFactory.instance.objectNode());
  }
}
