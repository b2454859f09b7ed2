package dev.varco.model.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.varco.model.manifest.EncoderPrecision;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.manifest.ModelManifestIO;
import dev.varco.model.tiny.TinyCheckpointGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The int8 encoder variant: written on request, listed in the manifest, fused by ONNX Runtime
 * into its int8 kernels, and close to the float32 encoder on the wide random checkpoint.
 */
class Int8EncoderAccuracyTest {
  /**
   * Accepted int8 error against float32 on the wide random model. Measured there (seed 11, two
   * tiles): relative L2 1.92%, max 4.0% of the largest value, cosine 0.99982 (the test prints
   * it); the bounds leave room for other seeds and ORT versions.
   */
  static final double MAX_RELATIVE_L2 = 0.05;
  static final double MIN_COSINE = 0.998;

  @TempDir Path work;

  @Test
  void int8EncoderIsWrittenListedFusedAndCloseToFloat32() throws Exception {
    Path checkpoint = work.resolve("hf");
    new TinyCheckpointGenerator(VisionEncoderAccuracyTest.WIDE, 11).generate(checkpoint, 1);
    Path modelDir = work.resolve("model");
    ModelManifest converted = CheckpointConverter.convert(checkpoint, modelDir, null,
        new ConversionOptions(Set.of(EncoderPrecision.INT8)), ConversionListener.SILENT);

    ModelManifest manifest = ModelManifestIO.read(modelDir);
    assertEquals(converted, manifest);
    ModelManifest.Vision vision = manifest.vision();
    assertEquals(Map.of("int8", "vision/encoder-int8.onnx"), vision.encoderVariants());
    assertEquals("vision/encoder.onnx", vision.encoder(EncoderPrecision.FP32).orElseThrow());
    Path int8Graph = modelDir.resolve(vision.encoder(EncoderPrecision.INT8).orElseThrow());
    assertTrue(manifest.files().containsKey("vision/encoder-int8.onnx.data"), manifest.files().keySet().toString());
    long fp32Bytes = Files.size(modelDir.resolve("vision/encoder.onnx.data"));
    long int8Bytes = Files.size(modelDir.resolve("vision/encoder-int8.onnx.data"));
    assertTrue(int8Bytes < fp32Bytes / 3, "int8 weights " + int8Bytes + " bytes, float32 " + fp32Bytes);

    float[][][][] tiles = EncoderGraphRun.randomTiles(2, vision.imageSize(), 43);
    float[] fp32 = EncoderGraphRun.features(modelDir.resolve(vision.encoder()), vision, tiles, null);
    Path optimized = work.resolve("int8-optimized.onnx");
    float[] int8 = EncoderGraphRun.features(int8Graph, vision, tiles, optimized);

    FeatureDifference difference = FeatureDifference.of(int8, fp32);
    System.out.println("int8 encoder vs float32 (vision hidden " + VisionEncoderAccuracyTest.WIDE.visionHiddenSize()
        + ", random weights): " + difference);
    assertTrue(difference.relativeL2() < MAX_RELATIVE_L2, difference.toString());
    assertTrue(difference.cosine() > MIN_COSINE, difference.toString());

    // The point of the pattern: ORT must turn every quantized linear into a fused int8 kernel,
    // DynamicQuantizeMatMul, or MatMulIntegerToFloat where its common-subexpression pass shared
    // one DynamicQuantizeLinear between q, k and v.
    Map<String, Long> ops = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(optimized)).getGraph().getNodeList()
        .stream().collect(Collectors.groupingBy(OnnxMl.NodeProto::getOpType, Collectors.counting()));
    // Feature layer -2 of 3: two encoder layers of six linears each, then the projector's two.
    int layersRun = VisionEncoderAccuracyTest.WIDE.visionLayers() + VisionEncoderAccuracyTest.WIDE.visionFeatureLayer() + 1;
    long linears = 6L * layersRun + 2;
    assertEquals(linears, ops.getOrDefault("DynamicQuantizeMatMul", 0L) + ops.getOrDefault("MatMulIntegerToFloat", 0L),
        ops.toString());
    assertEquals(0L, ops.getOrDefault("MatMulInteger", 0L), ops.toString());
  }
}
