package dev.varco.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
  private static final ImageLimits GENEROUS = new ImageLimits(50_000_000, 50_000_000, 10_000);
  private final ImageDecoder decoder = new ImageDecoder(GENEROUS);

  private static String rejection(ImageDecoder decoder, byte[] bytes) {
    return assertThrows(ImageRejectedException.class, () -> decoder.decode(bytes)).getMessage();
  }

  @Test
  void decodesPngExactly() {
    RgbImage image = decoder.decode(TestImages.png(40, 30));
    assertEquals(40, image.width());
    assertEquals(30, image.height());
    BufferedImage source = TestImages.gradient(40, 30);
    int rgb = source.getRGB(39, 29);
    assertEquals((rgb >> 16) & 0xFF, image.sample(39, 29, 0));
    assertEquals((rgb >> 8) & 0xFF, image.sample(39, 29, 1));
    assertEquals(rgb & 0xFF, image.sample(39, 29, 2));
  }

  @Test
  void decodesJpegClosely() {
    RgbImage image = decoder.decode(TestImages.jpeg(64, 48));
    assertEquals(64, image.width());
    assertEquals(48, image.height());
    assertTrue(Math.abs(image.sample(32, 24, 2) - 128) < 12, "blue channel near 128");
  }

  @Test
  void unsupportedFormatsAreNamed() {
    assertEquals("GIF images are not supported; send PNG or JPEG", rejection(decoder, TestImages.gif(8, 8)));
    assertEquals("BMP images are not supported; send PNG or JPEG",
        rejection(decoder, TestImages.encode(TestImages.gradient(8, 8), "bmp")));
    byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals("WebP images are not supported; send PNG or JPEG", rejection(decoder, webp));
  }

  @Test
  void nonImagesAndEmptyInputAreRejected() {
    assertEquals("image bytes are not an image (no PNG or JPEG signature)",
        rejection(decoder, "hello, this is text".getBytes(StandardCharsets.UTF_8)));
    assertEquals("image is empty", rejection(decoder, new byte[0]));
  }

  @Test
  void truncatedFilesAreCorrupt() {
    byte[] png = TestImages.encode(TestImages.noise(64, 64, 1), "png");
    String pngMessage = rejection(decoder, TestImages.truncated(png, 0.5));
    assertTrue(pngMessage.startsWith("PNG image is corrupt or truncated"), pngMessage);
    byte[] jpeg = TestImages.encode(TestImages.noise(64, 64, 2), "jpeg");
    String jpegMessage = rejection(decoder, TestImages.truncated(jpeg, 0.5));
    assertTrue(jpegMessage.startsWith("JPEG image is corrupt or truncated"), jpegMessage);
    assertTrue(rejection(decoder, TestImages.truncated(png, 0.01)).startsWith("PNG image is corrupt"));
  }

  @Test
  void limitsAreEnforcedWithTheirValuesInTheMessage() {
    byte[] png = TestImages.png(100, 50);
    assertEquals("image is " + png.length + " bytes, over the limit of 100 bytes (varco.vision.max-image-bytes)",
        rejection(new ImageDecoder(new ImageLimits(100, 1_000_000, 1000)), png));
    assertEquals("image is 100x50, over the limit of 64 pixels per side (varco.vision.max-image-side)",
        rejection(new ImageDecoder(new ImageLimits(1_000_000, 1_000_000, 64)), png));
    assertEquals("image is 100x50 = 5000 pixels, over the limit of 4999 decoded pixels per image (varco.vision.max-image-pixels)",
        rejection(new ImageDecoder(new ImageLimits(1_000_000, 4999, 1000)), png));
  }

  @Test
  void hugeDimensionsAreRefusedFromTheHeaderWithoutDecoding() {
    // A valid PNG header (correct CRC) claiming 100000 x 100000 pixels, with a tiny IDAT.
    String message = rejection(decoder, HostileImages.pngDeclaring(100_000, 100_000));
    assertTrue(message.startsWith("image is 100000x100000, over the limit"), message);
  }

  @Test
  void alphaIsDroppedAsPillowsConvertToRgbDoes() {
    // transformers' load_image calls image.convert("RGB"): colour kept, transparency discarded.
    BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    argb.setRGB(0, 0, 0x00000000); // fully transparent black
    argb.setRGB(1, 0, 0x80FF0000); // half transparent red
    RgbImage image = decoder.decode(TestImages.encode(argb, "png"));
    assertArrayEquals(new byte[] {0, 0, 0}, pixel(image, 0));
    assertArrayEquals(new byte[] {(byte) 255, 0, 0}, pixel(image, 1));
  }

  @Test
  void greyAndPaletteImagesBecomeRgbWithTheirLevels() {
    BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setSample(0, 0, 0, 50);
    grey.getRaster().setSample(1, 0, 0, 200);
    RgbImage greyRgb = decoder.decode(TestImages.encode(grey, "png"));
    assertArrayEquals(new byte[] {50, 50, 50}, pixel(greyRgb, 0));
    assertArrayEquals(new byte[] {(byte) 200, (byte) 200, (byte) 200}, pixel(greyRgb, 1));

    IndexColorModel palette = new IndexColorModel(8, 2, new byte[] {10, 20}, new byte[] {30, 40}, new byte[] {50, 60});
    BufferedImage indexed = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, palette);
    indexed.getRaster().setSample(1, 0, 0, 1);
    RgbImage paletteRgb = decoder.decode(TestImages.encode(indexed, "png"));
    assertArrayEquals(new byte[] {10, 30, 50}, pixel(paletteRgb, 0));
    assertArrayEquals(new byte[] {20, 40, 60}, pixel(paletteRgb, 1));
  }

  @Test
  void exifOrientationTurnsJpegUpright() {
    byte[] jpeg = TestImages.jpeg(40, 20);
    byte[] rotated = withExifOrientation(jpeg, 6); // stored sideways, displayed rotated 90 degrees clockwise
    RgbImage image = decoder.decode(rotated);
    assertEquals(20, image.width());
    assertEquals(40, image.height());
    // The stored top-left (red 0, green 0) becomes the top-right.
    RgbImage upright = decoder.decode(jpeg);
    assertEquals(upright.sample(0, 0, 1), image.sample(19, 0, 1), 8);
    assertEquals(upright.sample(39, 0, 0), image.sample(19, 39, 0), 8);
  }

  /** Inserts an APP1 Exif segment (big-endian TIFF, one IFD entry: orientation) after SOI. */
  static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    byte[] tiff = {
      'M', 'M', 0, 42, 0, 0, 0, 8, // header, IFD0 at 8
      0, 1, // one entry
      0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, // orientation SHORT
      0, 0, 0, 0 // no next IFD
    };
    int length = 2 + 6 + tiff.length;
    byte[] out = new byte[jpeg.length + 2 + length];
    out[0] = (byte) 0xFF;
    out[1] = (byte) 0xD8;
    out[2] = (byte) 0xFF;
    out[3] = (byte) 0xE1;
    out[4] = (byte) (length >> 8);
    out[5] = (byte) length;
    System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, out, 6, 6);
    System.arraycopy(tiff, 0, out, 12, tiff.length);
    System.arraycopy(jpeg, 2, out, 12 + tiff.length, jpeg.length - 2);
    return out;
  }

  private static byte[] pixel(RgbImage image, int x) {
    byte[] rgb = new byte[3];
    System.arraycopy(image.pixels(), x * 3, rgb, 0, 3);
    return rgb;
  }
}
