package dev.varco.gateway.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageGeometryTest {
  /** vision-service's fixtures, made by Pillow (preprocessing_fixtures.py); read, not copied. */
  private static final Path VISION_FIXTURES = Path.of("../vision-service/src/test/resources/fixtures/images");

  private static byte[] encode(String format, int width, int height) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    image.setRGB(0, 0, 0x336699);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, format, out));
    return out.toByteArray();
  }

  /** A TIFF block with one IFD0 entry: orientation (0x0112, SHORT, count 1). */
  private static byte[] exifTiff(int orientation, boolean littleEndian) {
    byte[] le = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte) orientation, 0, 0, 0, 0, 0, 0, 0};
    byte[] be = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0};
    return littleEndian ? le : be;
  }

  private static byte[] insert(byte[] into, int at, byte[] what) {
    byte[] out = Arrays.copyOf(into, into.length + what.length);
    System.arraycopy(what, 0, out, at, what.length);
    System.arraycopy(into, at, out, at + what.length, into.length - at);
    return out;
  }

  /** An APP1 "Exif" segment right after SOI, before whatever ImageIO wrote. */
  private static byte[] withExifApp1(byte[] jpeg, byte[] tiff) {
    int length = 2 + 6 + tiff.length;
    byte[] segment = new byte[2 + length];
    segment[0] = (byte) 0xFF;
    segment[1] = (byte) 0xE1;
    segment[2] = (byte) (length >> 8);
    segment[3] = (byte) length;
    System.arraycopy("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), 0, segment, 4, 6);
    System.arraycopy(tiff, 0, segment, 10, tiff.length);
    return insert(jpeg, 2, segment);
  }

  /** An eXIf chunk right after IHDR. */
  private static byte[] withExifChunk(byte[] png, byte[] tiff) {
    byte[] chunk = new byte[12 + tiff.length];
    chunk[0] = (byte) (tiff.length >> 24);
    chunk[1] = (byte) (tiff.length >> 16);
    chunk[2] = (byte) (tiff.length >> 8);
    chunk[3] = (byte) tiff.length;
    System.arraycopy("eXIf".getBytes(StandardCharsets.ISO_8859_1), 0, chunk, 4, 4);
    System.arraycopy(tiff, 0, chunk, 8, tiff.length);
    CRC32 crc = new CRC32();
    crc.update(chunk, 4, 4 + tiff.length);
    long value = crc.getValue();
    for (int i = 0; i < 4; i++) {
      chunk[8 + tiff.length + i] = (byte) (value >> (24 - 8 * i));
    }
    return insert(png, 8 + 8 + 13 + 4, chunk);
  }

  private static InvalidTaskException refused(byte[] bytes) {
    InvalidTaskException e = assertThrows(InvalidTaskException.class, () -> ImageGeometry.of(bytes));
    assertEquals("image", e.param());
    return e;
  }

  @Test
  void readsStoredSizeOfPlainImages() throws IOException {
    assertEquals(new ImageSize(7, 5), ImageGeometry.of(encode("png", 7, 5)));
    assertEquals(new ImageSize(9, 4), ImageGeometry.of(encode("jpeg", 9, 4)));
  }

  @Test
  void jpegExifOrientationsFiveToEightSwapWidthAndHeight() throws IOException {
    byte[] jpeg = encode("jpeg", 9, 4);
    for (int orientation = 1; orientation <= 8; orientation++) {
      ImageSize expected = orientation >= 5 ? new ImageSize(4, 9) : new ImageSize(9, 4);
      assertEquals(expected, ImageGeometry.of(withExifApp1(jpeg, exifTiff(orientation, true))), "II " + orientation);
      assertEquals(expected, ImageGeometry.of(withExifApp1(jpeg, exifTiff(orientation, false))), "MM " + orientation);
    }
  }

  @Test
  void invalidOrientationCountsAsUprightAndOnlyTheFirstExifSegmentCounts() throws IOException {
    byte[] jpeg = encode("jpeg", 9, 4);
    assertEquals(new ImageSize(9, 4), ImageGeometry.of(withExifApp1(jpeg, exifTiff(9, true))));
    assertEquals(new ImageSize(9, 4), ImageGeometry.of(withExifApp1(jpeg, Arrays.copyOf(exifTiff(6, true), 12))));
    byte[] firstUpright = withExifApp1(withExifApp1(jpeg, exifTiff(6, true)), exifTiff(1, true));
    assertEquals(new ImageSize(9, 4), ImageGeometry.of(firstUpright));
  }

  @Test
  void pngExifChunkIsAppliedToo() throws IOException {
    byte[] png = encode("png", 7, 5);
    assertEquals(new ImageSize(5, 7), ImageGeometry.of(withExifChunk(png, exifTiff(5, false))));
    assertEquals(new ImageSize(7, 5), ImageGeometry.of(withExifChunk(png, exifTiff(2, true))));
  }

  @Test
  void agreesWithVisionServiceFixturesMadeByPillow() throws IOException {
    assertEquals(new ImageSize(100, 200), ImageGeometry.of(Files.readAllBytes(VISION_FIXTURES.resolve("exif-orientation6-200x100.jpg"))));
    assertEquals(new ImageSize(90, 60), ImageGeometry.of(Files.readAllBytes(VISION_FIXTURES.resolve("exif-orientation3-90x60.jpg"))));
    assertEquals(new ImageSize(50, 80), ImageGeometry.of(Files.readAllBytes(VISION_FIXTURES.resolve("exif-orientation8-80x50.png"))));
  }

  @Test
  void refusesGarbageWithAClearMessage() throws IOException {
    assertTrue(refused(new byte[0]).getMessage().contains("empty"));
    assertTrue(refused("GIF89a....".getBytes(StandardCharsets.ISO_8859_1)).getMessage().contains("neither PNG nor JPEG"));
    byte[] png = encode("png", 7, 5);
    byte[] jpeg = encode("jpeg", 9, 4);
    assertTrue(refused(Arrays.copyOf(png, 8)).getMessage().contains("truncated"));
    assertTrue(refused(Arrays.copyOf(png, 40)).getMessage().contains("truncated"));
    assertTrue(refused(Arrays.copyOf(jpeg, 3)).getMessage().contains("JPEG"));
    assertTrue(refused(Arrays.copyOf(jpeg, 30)).getMessage().contains("truncated"));
    byte[] noIhdr = png.clone();
    noIhdr[12] = 'X';
    assertTrue(refused(noIhdr).getMessage().contains("IHDR"));
    byte[] zeroWidth = png.clone();
    Arrays.fill(zeroWidth, 16, 20, (byte) 0);
    assertTrue(refused(zeroWidth).getMessage().contains("size"));
    refused(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xDA, 0, 2});
  }
}
