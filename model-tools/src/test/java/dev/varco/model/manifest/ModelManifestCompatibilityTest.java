package dev.varco.model.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vision.encoder_variants} is additive: manifests without it still read, and mean "fp32 only". */
class ModelManifestCompatibilityTest {
  @TempDir Path work;

  @Test
  void manifestWithoutEncoderVariantsReadsAsFloat32Only() throws Exception {
    ModelManifest.Vision vision = new ModelManifest.Vision("vision/encoder.onnx", "pixel_values", "image_features",
        384, 14, 729, 64, -2, "full", "anyres_max_9", List.of(List.of(384, 384)), "vision/image_newline.f32",
        "vision/preprocessor_config.json", List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5), 1 / 255.0, 3);
    ModelManifest manifest = new ModelManifest(ModelManifest.FORMAT, ModelManifest.FORMAT_VERSION, "m",
        new ModelManifest.Source("hf", "llava_onevision", List.of("LlavaOnevisionForConditionalGeneration")),
        vision,
        new ModelManifest.Llm("llm", "qwen2", 64, 2, 4, 2, 152064, 32768, "bfloat16", "<image>", 151665,
            List.of(151645), "{{ messages }}"),
        Map.of());
    ModelManifestIO.write(work, manifest);

    String json = Files.readString(work.resolve(ModelManifestIO.FILE_NAME));
    assertFalse(json.contains("encoder_variants"), "an empty variant list is left out, as older converters wrote it");
    ModelManifest read = ModelManifestIO.read(work);
    assertEquals(Map.of(), read.vision().encoderVariants());
    assertEquals("vision/encoder.onnx", read.vision().encoder(EncoderPrecision.FP32).orElseThrow());
    assertTrue(read.vision().encoder(EncoderPrecision.INT8).isEmpty());
  }

  @Test
  void manifestWithoutWeightTypeReadsAsItsDtype() throws Exception {
    for (var dtypeAndType : Map.of("bfloat16", DecoderWeightType.BF16, "float32", DecoderWeightType.F32).entrySet()) {
      ModelManifest.Llm llm = new ModelManifest.Llm("llm", "qwen2", 64, 2, 4, 2, 152064, 32768, dtypeAndType.getKey(),
          "<image>", 151665, List.of(151645), "{{ messages }}");
      Path dir = work.resolve(dtypeAndType.getKey());
      ModelManifestIO.write(dir, new ModelManifest(ModelManifest.FORMAT, ModelManifest.FORMAT_VERSION, "m",
          null, minimalVision(), llm, Map.of()));
      // What converters before weight_type wrote: drop the key from the file.
      Path file = dir.resolve(ModelManifestIO.FILE_NAME);
      String json = Files.readString(file).replaceAll(",\\s*\"weight_type\"\\s*:\\s*\"[a-z0-9]+\"", "");
      assertFalse(json.contains("weight_type"));
      Files.writeString(file, json);
      assertEquals(dtypeAndType.getValue(), ModelManifestIO.read(dir).llm().decoderWeightType());
    }
  }

  private static ModelManifest.Vision minimalVision() {
    return new ModelManifest.Vision("vision/encoder.onnx", "pixel_values", "image_features", 384, 14, 729, 64, -2,
        "full", "anyres_max_9", List.of(List.of(384, 384)), "vision/image_newline.f32",
        "vision/preprocessor_config.json", List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5), 1 / 255.0, 3);
  }
}
