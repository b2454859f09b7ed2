package dev.varco.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;

/** Files built to hurt: each gets a message that says what is wrong, or decodes correctly. */
class HostileImagesTest {
  /** The service's defaults. */
  private static final ImageLimits LIMITS = new ImageLimits(20_971_520, 33_554_432, 8192, 200);
  private final ImageDecoder decoder = new ImageDecoder(LIMITS);

  private String rejection(byte[] bytes) {
    return assertThrows(ImageRejectedException.class, () -> decoder.decode(bytes)).getMessage();
  }

  @Test
  void emptyAndForeignBytesAreNamed() {
    assertEquals("image is empty", rejection(new byte[0]));
    assertEquals("image bytes are not an image (no PNG or JPEG signature)", rejection(new byte[] {0x42}));
    assertEquals("image bytes are not an image (no PNG or JPEG signature)",
        rejection("<html>not an image</html>".getBytes(StandardCharsets.UTF_8)));
    byte[] signatureOnly = Arrays.copyOf(TestImages.png(4, 4), 8);
    assertEquals("PNG image is corrupt or truncated: it ends before its IEND chunk (truncated)", rejection(signatureOnly));
    assertEquals("JPEG image is corrupt or truncated: it ends before its first scan",
        rejection(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}));
  }

  @Test
  void decompressionBombsAreRefusedFromTheHeader() {
    assertEquals("image is 100000x100000, over the limit of 8192 pixels per side (varco.vision.max-image-side)",
        rejection(HostileImages.pngDeclaring(100_000, 100_000)));
    assertEquals("image is 4294967295x1, over the limit of 8192 pixels per side (varco.vision.max-image-side)",
        rejection(HostileImages.pngDeclaring(0xFFFFFFFFL, 1)));
    assertEquals("image is 8000x8000 = 64000000 pixels, over the limit of 33554432 decoded pixels per image (varco.vision.max-image-pixels)",
        rejection(HostileImages.pngDeclaring(8000, 8000)));
    assertEquals("image is 65000x65000, over the limit of 8192 pixels per side (varco.vision.max-image-side)",
        rejection(HostileImages.jpegDeclaring(TestImages.jpeg(32, 32), 65000, 65000)));
    assertEquals("image has no pixels (0x10)", rejection(HostileImages.pngDeclaring(0, 10)));
  }

  @Test
  void stripsAreRefusedBySideOrAspectRatio() {
    assertEquals("image is 1x100000, over the limit of 8192 pixels per side (varco.vision.max-image-side)", rejection(HostileImages.pngDeclaring(1, 100_000)));
    assertEquals("image is 1x5000, aspect ratio 5000:1 is over the limit of 200:1 (varco.vision.max-image-aspect-ratio)", rejection(TestImages.png(1, 5000)));
    assertEquals("image is 4010x20, aspect ratio 200.5:1 is over the limit of 200:1 (varco.vision.max-image-aspect-ratio)", rejection(HostileImages.pngDeclaring(4010, 20)));
    assertEquals(4000, decoder.decode(TestImages.png(4000, 20)).width(), "200:1 exactly is accepted");
  }

  @Test
  void damagedPngChunksAreNamed() {
    byte[] png = TestImages.png(20, 10);
    assertEquals("PNG image is corrupt or truncated: chunk IHDR has a bad CRC", rejection(HostileImages.withBadCrc(png, "IHDR")));
    assertEquals("PNG image is corrupt or truncated: chunk IDAT has a bad CRC", rejection(HostileImages.withBadCrc(png, "IDAT")));
    byte[] lying = png.clone();
    lying[8 + 25] = 0x7F; // the chunk after IHDR now declares about 2 GB
    assertTrue(rejection(lying).matches("PNG image is corrupt or truncated: chunk \\w+ declares \\d+ bytes, more than the file holds \\(truncated\\)"),
        rejection(lying));
    byte[] ihdr = HostileImages.chunkData(png, "IHDR");
    ihdr[9] = 7; // colour type 7 does not exist
    assertEquals("PNG image is corrupt or truncated: IHDR declares colour type 7 with bit depth 8, which PNG does not define",
        rejection(HostileImages.png(HostileImages.chunk("IHDR", ihdr), HostileImages.chunk("IEND", new byte[0]))));
    assertEquals("PNG image is corrupt or truncated: the first chunk is IDAT, not IHDR",
        rejection(HostileImages.png(HostileImages.chunk("IDAT", new byte[0]), HostileImages.chunk("IEND", new byte[0]))));
    byte[] smallHeader = HostileImages.chunk("IHDR", ihdrOf(8, 8));
    byte[] bombHeader = HostileImages.chunk("IHDR", ihdrOf(100_000, 100_000));
    assertEquals("PNG image is corrupt or truncated: it has two IHDR chunks",
        rejection(HostileImages.png(bombHeader, smallHeader, HostileImages.chunk("IEND", new byte[0]))));
    assertEquals("PNG image is corrupt or truncated: it has no IDAT chunk (no pixel data)",
        rejection(HostileImages.png(HostileImages.chunk("IHDR", HostileImages.chunkData(png, "IHDR")), HostileImages.chunk("IEND", new byte[0]))));
  }

  private static byte[] ihdrOf(int width, int height) {
    return HostileImages.chunkData(HostileImages.pngDeclaring(width, height), "IHDR");
  }

  @Test
  void everyTruncationIsRefused() {
    byte[] png = TestImages.encode(TestImages.noise(40, 30, 3), "png");
    byte[] jpeg = TestImages.encode(TestImages.noise(40, 30, 4), "jpeg");
    for (byte[] file : new byte[][] {png, jpeg}) {
      for (int length = 1; length < file.length; length += Math.max(1, file.length / 97)) {
        byte[] cut = Arrays.copyOf(file, length);
        String message = rejection(cut);
        assertTrue(message.contains("corrupt or truncated") || message.contains("not an image"), length + ": " + message);
      }
      // Losing only the end marker still counts: the reference (Pillow) refuses truncated files too.
      assertTrue(rejection(Arrays.copyOf(file, file.length - 2)).contains("corrupt or truncated"));
    }
  }

  @Test
  void jpegCodingProcessesTheDecoderCannotReadAreNamed() {
    byte[] jpeg = TestImages.jpeg(16, 16);
    assertEquals("arithmetic-coded JPEG images are not supported; send baseline or progressive JPEG, or PNG",
        rejection(HostileImages.jpegWithFrameMarker(jpeg, 0xC9)));
    assertEquals("lossless JPEG images are not supported; send baseline or progressive JPEG, or PNG",
        rejection(HostileImages.jpegWithFrameMarker(jpeg, 0xC3)));
    assertEquals("JPEG images with 12-bit samples are not supported; send 8-bit JPEG or PNG",
        rejection(HostileImages.jpegWithPrecision(jpeg, 12)));
    assertEquals("JPEG images whose height is given after the scan (DNL) are not supported",
        rejection(HostileImages.jpegDeclaring(jpeg, 16, 0)));
  }

  @Test
  void animatedPngDecodesItsFirstFrame() {
    byte[] first = TestImages.png(24, 16);
    byte[] second = TestImages.encode(TestImages.noise(24, 16, 9), "png");
    RgbImage animated = decoder.decode(HostileImages.apng(first, second));
    assertArrayEquals(decoder.decode(first).pixels(), animated.pixels(), "frame 0, as Pillow's Image.open shows it");
  }

  @Test
  void concatenatedJpegsDecodeTheFirstImage() {
    // Camera MPO files and sloppy uploads put several JPEG streams in one file.
    byte[] first = TestImages.jpeg(40, 30);
    byte[] second = TestImages.encode(TestImages.noise(64, 64, 5), "jpeg");
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    RgbImage image = decoder.decode(both);
    assertEquals("40x30", image.width() + "x" + image.height());
    assertArrayEquals(decoder.decode(first).pixels(), image.pixels());
  }

  @Test
  void progressiveJpegDecodes() throws Exception {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ImageWriteParam param = writer.getDefaultWriteParam();
    param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.write(null, new IIOImage(TestImages.gradient(50, 40), null, null), param);
    } finally {
      writer.dispose();
    }
    RgbImage image = decoder.decode(out.toByteArray());
    assertEquals("50x40", image.width() + "x" + image.height());
    assertEquals(TestImages.gradient(50, 40).getRGB(25, 20) & 0xFF, image.sample(25, 20, 2), 6);
  }
}
