package dev.varco.vision.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The committed seed corpus of decompression bombs ({@link BombCorpus}) under the service's
 * default limits: each file is refused with a message naming the problem, or decodes to exactly
 * the size its header declares (what admission charges the decode budget with); and decoding any
 * of them stops within a few rows once the cutoff says so.
 */
class DecompressionBombsTest {
  private static final ImageLimits DEFAULTS = new ImageLimits(20_971_520, 33_554_432, 8192, 200);
  private static final ImageDecoder DECODER = new ImageDecoder(DEFAULTS);

  /** File to its header size (decodes) or the start of its refusal. */
  private static final Map<String, String> EXPECTED = new LinkedHashMap<>();

  static {
    EXPECTED.put("grey1-5792x5792.png", "5792x5792");
    EXPECTED.put("palette1-8192x4096.png", "8192x4096");
    EXPECTED.put("grey8-4096x4096.png", "4096x4096");
    EXPECTED.put("rgb8-2048x2048.png", "2048x2048");
    EXPECTED.put("rgba16-2896x2896.png", "2896x2896");
    EXPECTED.put("interlaced-grey1-5792x5792.png", "5792x5792");
    EXPECTED.put("grey8-2400x2400.jpg", "2400x2400");
    EXPECTED.put("progressive-grey8-4096x4096.jpg", "4096x4096");
    EXPECTED.put("grey1-8192x8192.png",
        "image is 8192x8192 = 67108864 pixels, over the limit of 33554432 decoded pixels per image (varco.vision.max-image-pixels)");
    EXPECTED.put("truncated-grey1-5792x5792.png", "PNG image is corrupt or truncated: chunk IDAT declares");
    EXPECTED.put("short-data-5792x5792.png", "PNG image is corrupt or truncated");
    EXPECTED.put("bad-deflate-5792x5792.png", "PNG image is corrupt or truncated");
    EXPECTED.put("truncated-grey8-2400x2400.jpg", "JPEG image is corrupt or truncated");
  }

  @Test
  void theCommittedCorpusHasEveryGeneratedFileAndEachIsSmall() {
    Map<String, byte[]> generated = BombCorpus.files();
    assertEquals(EXPECTED.keySet(), generated.keySet());
    for (String name : generated.keySet()) {
      byte[] committed = BombCorpus.committed(name);
      assertTrue(committed.length < 70_000, name + " is " + committed.length + " bytes");
    }
  }

  @Test
  void eachBombIsRefusedWithItsReasonOrDecodesToItsDeclaredSize() {
    for (Map.Entry<String, String> entry : EXPECTED.entrySet()) {
      byte[] file = BombCorpus.committed(entry.getKey());
      String expected = entry.getValue();
      if (expected.matches("\\d+x\\d+")) {
        long declared = DECODER.declaredPixels(file);
        RgbImage image = DECODER.decode(file);
        assertEquals(expected, image.width() + "x" + image.height(), entry.getKey());
        assertEquals(declared, (long) image.width() * image.height(), entry.getKey() + ": charged what it decodes to");
      } else {
        String message = assertThrows(ImageRejectedException.class, () -> DECODER.decode(file), entry.getKey()).getMessage();
        assertTrue(message.startsWith(expected), entry.getKey() + ": " + message);
      }
    }
  }

  @Test
  void decodingStopsWithinAFewRowsOnceTheCutoffSaysSo() {
    for (String name : List.of("grey1-5792x5792.png", "interlaced-grey1-5792x5792.png", "rgba16-2896x2896.png",
        "grey8-2400x2400.jpg", "progressive-grey8-4096x4096.jpg", "palette1-8192x4096.png")) {
      RuntimeException stop = new IllegalStateException("budget spent");
      AtomicInteger asked = new AtomicInteger();
      RuntimeException thrown = assertThrows(RuntimeException.class,
          () -> DECODER.decode(BombCorpus.committed(name), () -> asked.incrementAndGet() >= 3 ? stop : null), name);
      assertSame(stop, thrown, name);
      assertEquals(3, asked.get(), name + ": asked until it said stop, then never again");
    }
  }

  @Test
  void tilingStopsBetweenResizesOnceTheCutoffSaysSo() {
    RgbImage image = DECODER.decode(BombCorpus.committed("rgb8-2048x2048.png"));
    List<GridPinpoint> pinpoints = new java.util.ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      for (int j = 1; j <= 6; j++) {
        pinpoints.add(new GridPinpoint(i * 384, j * 384));
      }
    }
    AnyresGeometry geometry = new AnyresGeometry(384, 27, pinpoints, 9);
    AnyresPlan plan = new AnyresPlanner(geometry).plan(image.width(), image.height());
    AnyresTiler tiler = new AnyresTiler(384, new PixelNormalization(1 / 255.0, new double[] {0.5, 0.5, 0.5},
        new double[] {0.5, 0.5, 0.5}));
    RuntimeException stop = new IllegalStateException("time is up");
    assertSame(stop, assertThrows(RuntimeException.class, () -> tiler.tile(image, plan, () -> stop)));
  }
}
