package dev.varco.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
  @TempDir Path dir;

  @Test
  void floatTensorsRoundTripInEveryFloatDtype() throws IOException {
    float[] exact = {0f, 1f, -2.5f, 0.15625f, 1024f, -0.0078125f};
    Path file = dir.resolve("t.safetensors");
    new SafetensorsWriter()
        .metadata("format", "pt")
        .add("a.f32", SafetensorsDType.F32, new long[] {2, 3}, TensorData.ofFloats(exact, SafetensorsDType.F32))
        .add("b.bf16", SafetensorsDType.BF16, new long[] {6}, TensorData.ofFloats(exact, SafetensorsDType.BF16))
        .add("c.f16", SafetensorsDType.F16, new long[] {3, 2}, TensorData.ofFloats(exact, SafetensorsDType.F16))
        .write(file);

    try (SafetensorsFile read = SafetensorsFile.open(file)) {
      assertEquals(List.of("a.f32", "b.bf16", "c.f16"), new ArrayList<>(read.tensors().keySet()));
      assertEquals(Map.of("format", "pt"), read.metadata());
      assertArrayEquals(new long[] {2, 3}, read.info("a.f32").shape());
      assertEquals(SafetensorsDType.BF16, read.info("b.bf16").dtype());
      assertEquals(12, read.info("b.bf16").byteLength());
      // Values representable in each format come back exactly.
      assertArrayEquals(exact, read.floats("a.f32"));
      assertArrayEquals(exact, read.floats("b.bf16"));
      assertArrayEquals(exact, read.floats("c.f16"));
    }
    // Layout: 8-byte little-endian header length, then a JSON header padded to 8 bytes.
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = bytes.getLong(0);
    assertEquals(0, headerLength % 8);
    assertEquals(8 + headerLength + 6 * 4 + 6 * 2 + 6 * 2, Files.size(file));
    assertEquals('{', bytes.get(8));
  }

  @Test
  void bf16RoundsToNearestEven() {
    // 1 + 2^-8 lies halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one (1).
    assertEquals(1f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(1f + 0x1p-8f)));
    // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: the even one is 1 + 2^-6.
    assertEquals(1f + 0x1p-6f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(1f + 3 * 0x1p-8f)));
    // Just above halfway rounds up.
    assertEquals(1f + 0x1p-7f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(1f + 0x1p-8f + 0x1p-20f)));
    assertEquals((short) 0x3f80, HalfFloats.floatToBf16(1f));
    assertEquals(Float.NaN, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN)));
  }

  @Test
  void shardedCheckpointIsReadThroughItsIndex() throws IOException {
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      float[] values = {i, i + 0.5f, -i};
      entries.add(new SafetensorsWriter.Entry("t" + i, SafetensorsDType.BF16, new long[] {3},
          TensorData.ofFloats(values, SafetensorsDType.BF16)));
    }
    List<String> written = SafetensorsCheckpointWriter.write(dir, entries, 3, Map.of("format", "pt"));
    assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
        "model-00003-of-00003.safetensors", SafetensorsCheckpoint.INDEX_FILE), written);

    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
      for (int i = 0; i < 7; i++) {
        assertArrayEquals(new float[] {i, i + 0.5f, -i}, checkpoint.floats("t" + i));
      }
      assertEquals("model-00001-of-00003.safetensors", checkpoint.file("t0").path().getFileName().toString());
      assertEquals("model-00003-of-00003.safetensors", checkpoint.file("t6").path().getFileName().toString());
    }
  }

  @Test
  void directoryWithoutWeightsIsRefused() {
    assertThrows(NoSuchFileException.class, () -> SafetensorsCheckpoint.open(dir));
  }

  @Test
  void truncatedFileIsRefused() throws IOException {
    Path file = dir.resolve("bad.safetensors");
    new SafetensorsWriter()
        .add("x", SafetensorsDType.F32, new long[] {4}, TensorData.ofFloats(new float[4], SafetensorsDType.F32))
        .write(file);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 4));
    assertThrows(IOException.class, () -> SafetensorsFile.open(file));
  }
}
