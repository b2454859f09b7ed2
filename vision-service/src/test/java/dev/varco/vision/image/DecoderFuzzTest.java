package dev.varco.vision.image;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * A deterministic mutation fuzzer over valid PNG and JPEG files (the preprocessing fixtures),
 * through the real decode + plan + tile path. Every outcome must be tiles or an
 * {@link ImageRejectedException}; any other exception or error fails the test with the case
 * that caused it. Each case runs under a hang detector with a generous limit (not a speed test).
 */
class DecoderFuzzTest {
  /** Overridable for longer runs: {@code -Dfuzz.seed=... -Dfuzz.cases=...}. */
  private static final long SEED = Long.getLong("fuzz.seed", 20261126L);
  private static final int CASES = Integer.getInteger("fuzz.cases", 300);
  private static final long HANG_LIMIT_SECONDS = 60;
  private static final String[] SEED_FILES = {
    "images/rgba-300x200.png", "images/palette-200x150.png", "images/grey16-120x90.png", "images/grey-alpha-99x77.png",
    "images/tiny-1x1.png", "images/exif-orientation6-200x100.jpg", "images/cmyk-160x120.jpg",
    "images/exif-orientation3-90x60.jpg", "images/rgb-640x480.jpg",
  };

  private final ImageDecoder decoder = new ImageDecoder(new ImageLimits(20_971_520, 33_554_432, 8192, 200));
  private final AnyresPlanner planner = new AnyresPlanner(TokenCountFixture.geometry(TokenCountFixture.load()));
  private final AnyresTiler tiler =
      new AnyresTiler(384, new PixelNormalization(1 / 255.0, new double[] {0.5, 0.5, 0.5}, new double[] {0.5, 0.5, 0.5}));

  private record Case(int number, String description, byte[] bytes) {}

  @Test
  void mutatedFilesAreDecodedOrRejectedNeverAnythingElse() throws InterruptedException {
    Random random = new Random(SEED);
    List<byte[]> seeds = new ArrayList<>();
    for (String file : SEED_FILES) {
      seeds.add(PreprocessingFixture.bytes(file));
    }
    int decoded = 0;
    int rejected = 0;
    List<String> failures = new ArrayList<>();
    ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "fuzz-case");
      thread.setDaemon(true); // a hung case must not keep the test JVM alive
      return thread;
    });
    try {
      for (int i = 0; i < CASES; i++) {
        int seedIndex = random.nextInt(seeds.size());
        Case fuzzCase = mutate(i, SEED_FILES[seedIndex], seeds.get(seedIndex), random);
        Future<Boolean> outcome = worker.submit(() -> run(fuzzCase.bytes()));
        try {
          if (outcome.get(HANG_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            decoded++;
          } else {
            rejected++;
          }
        } catch (TimeoutException e) {
          fail("case " + fuzzCase.description() + " still running after " + HANG_LIMIT_SECONDS + " s: a hang");
        } catch (ExecutionException e) {
          failures.add(fuzzCase.description() + " -> " + e.getCause());
        }
      }
    } finally {
      worker.shutdownNow();
    }
    System.out.println("fuzzer (seed " + SEED + "): " + CASES + " cases, " + decoded + " decoded and tiled, " + rejected + " rejected");
    assertTrue(failures.isEmpty(), failures.size() + " cases threw something else:\n" + String.join("\n", failures));
  }

  /** True when tiles came out, false when the image was rejected; anything else propagates. */
  private boolean run(byte[] bytes) {
    try {
      RgbImage image = decoder.decode(bytes);
      AnyresPlan plan = planner.plan(image.width(), image.height());
      TileBatch tiles = tiler.tile(image, plan);
      if (tiles.count() != plan.encoderTileCount()) {
        throw new AssertionError("tile count " + tiles.count() + " != plan " + plan.encoderTileCount());
      }
      return true;
    } catch (ImageRejectedException e) {
      return false;
    }
  }

  private static Case mutate(int number, String name, byte[] original, Random random) {
    byte[] bytes = original.clone();
    String what;
    switch (random.nextInt(7)) {
      case 0 -> {
        int flips = 1 + random.nextInt(8);
        for (int i = 0; i < flips; i++) {
          int at = random.nextInt(bytes.length);
          bytes[at] ^= (byte) (1 << random.nextInt(8));
        }
        what = flips + " bit flips";
      }
      case 1 -> {
        int at = random.nextInt(Math.min(bytes.length, 64));
        int[] special = {0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE};
        bytes[at] = (byte) special[random.nextInt(special.length)];
        what = "header byte " + at + " set to 0x" + Integer.toHexString(bytes[at] & 0xFF);
      }
      case 2 -> {
        int length = random.nextInt(bytes.length);
        bytes = Arrays.copyOf(bytes, length);
        what = "truncated to " + length + " bytes";
      }
      case 3 -> {
        int from = random.nextInt(bytes.length);
        int length = 1 + random.nextInt(Math.min(4096, bytes.length - from));
        int into = random.nextInt(bytes.length);
        byte[] grown = new byte[bytes.length + length];
        System.arraycopy(bytes, 0, grown, 0, into);
        System.arraycopy(bytes, from, grown, into, length);
        System.arraycopy(bytes, into, grown, into + length, bytes.length - into);
        bytes = grown;
        what = length + " bytes from " + from + " duplicated at " + into;
      }
      case 4 -> {
        int at = random.nextInt(bytes.length);
        int length = Math.min(bytes.length - at, 1 + random.nextInt(256));
        for (int i = 0; i < length; i++) {
          bytes[at + i] = (byte) random.nextInt(256);
        }
        what = length + " random bytes at " + at;
      }
      case 5 -> {
        Mutated duplicated = name.endsWith(".png") ? duplicateChunk(bytes, random) : duplicateSegment(bytes, random);
        what = duplicated.what();
        bytes = duplicated.bytes();
      }
      default -> {
        what = name.endsWith(".png") ? flipInsideChunkKeepingCrc(bytes, random) : "bit flips after the headers";
        if (!name.endsWith(".png")) {
          int start = Math.min(bytes.length - 1, 600);
          for (int i = 0; i < 4; i++) {
            int at = start + random.nextInt(bytes.length - start);
            bytes[at] ^= (byte) (1 << random.nextInt(8));
          }
        }
      }
    }
    return new Case(number, "#" + number + " " + name + ": " + what, bytes);
  }

  private record Mutated(String what, byte[] bytes) {}

  /** Copies one whole chunk (CRC included) right after itself: a duplicated IHDR, PLTE, IDAT, ... */
  private static Mutated duplicateChunk(byte[] png, Random random) {
    List<int[]> chunks = pngChunks(png);
    int[] chunk = chunks.get(random.nextInt(chunks.size()));
    int end = chunk[0] + chunk[1];
    byte[] out = new byte[png.length + chunk[1]];
    System.arraycopy(png, 0, out, 0, end);
    System.arraycopy(png, chunk[0], out, end, chunk[1]);
    System.arraycopy(png, end, out, end + chunk[1], png.length - end);
    return new Mutated("chunk " + new String(png, chunk[0] + 4, 4, StandardCharsets.ISO_8859_1) + " duplicated", out);
  }

  /** Changes bytes inside one chunk and recomputes its CRC, so the damage reaches the decoder. */
  private static String flipInsideChunkKeepingCrc(byte[] png, Random random) {
    List<int[]> chunks = pngChunks(png);
    int[] chunk = chunks.get(random.nextInt(chunks.size()));
    int dataLength = chunk[1] - 12;
    String type = new String(png, chunk[0] + 4, 4, StandardCharsets.ISO_8859_1);
    if (dataLength == 0) {
      return "no-op on empty chunk " + type;
    }
    int flips = 1 + random.nextInt(4);
    for (int i = 0; i < flips; i++) {
      png[chunk[0] + 8 + random.nextInt(dataLength)] ^= (byte) (1 << random.nextInt(8));
    }
    CRC32 crc = new CRC32();
    crc.update(png, chunk[0] + 4, 4 + dataLength);
    long value = crc.getValue();
    int at = chunk[0] + 8 + dataLength;
    png[at] = (byte) (value >> 24);
    png[at + 1] = (byte) (value >> 16);
    png[at + 2] = (byte) (value >> 8);
    png[at + 3] = (byte) value;
    return flips + " bit flips inside " + type + " with its CRC fixed";
  }

  /** Duplicates one marker segment before the scan (DQT, DHT, SOF, APPn ...). */
  private static Mutated duplicateSegment(byte[] jpeg, Random random) {
    List<int[]> segments = new ArrayList<>();
    int offset = 2;
    while (offset + 4 <= jpeg.length && (jpeg[offset] & 0xFF) == 0xFF && (jpeg[offset + 1] & 0xFF) != 0xDA) {
      int length = 2 + (((jpeg[offset + 2] & 0xFF) << 8) | (jpeg[offset + 3] & 0xFF));
      segments.add(new int[] {offset, length});
      offset += length;
    }
    int[] segment = segments.get(random.nextInt(segments.size()));
    int end = segment[0] + segment[1];
    byte[] out = new byte[jpeg.length + segment[1]];
    System.arraycopy(jpeg, 0, out, 0, end);
    System.arraycopy(jpeg, segment[0], out, end, segment[1]);
    System.arraycopy(jpeg, end, out, end + segment[1], jpeg.length - end);
    return new Mutated(String.format("segment 0x%02X duplicated", jpeg[segment[0] + 1] & 0xFF), out);
  }

  /** {offset, total length} of each chunk of a valid PNG. */
  private static List<int[]> pngChunks(byte[] png) {
    List<int[]> chunks = new ArrayList<>();
    int offset = 8;
    while (offset + 12 <= png.length) {
      int length = ((png[offset] & 0xFF) << 24) | ((png[offset + 1] & 0xFF) << 16) | ((png[offset + 2] & 0xFF) << 8)
          | (png[offset + 3] & 0xFF);
      chunks.add(new int[] {offset, 12 + length});
      offset += 12 + length;
    }
    return chunks;
  }
}
