package dev.varco.vision.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The seed corpus of decompression bombs inside the pixel limits: files of a few kilobytes that
 * decode to 4-33.5 megapixels (flat colour deflates about 1000:1, 1-bit samples 8 times better),
 * plus truncated and corrupt ones. Committed under {@code src/test/resources/fixtures/bombs/};
 * regenerate with (from {@code vision-service/}, after {@code test-compile}):
 *
 * <pre>java -cp target/test-classes:target/classes dev.varco.vision.image.BombCorpus src/test/resources/fixtures/bombs</pre>
 */
public final class BombCorpus {
  private BombCorpus() {}

  /** File name to its bytes, in a fixed order. */
  public static Map<String, byte[]> files() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    byte[] grey1 = zeroPng(5792, 5792, 0, 1, false);
    files.put("grey1-5792x5792.png", grey1); // 33.5 MP in ~4 KB, just under 32 Mi pixels
    files.put("palette1-8192x4096.png", zeroPng(8192, 4096, 3, 1, false)); // exactly 32 Mi pixels
    files.put("grey8-4096x4096.png", zeroPng(4096, 4096, 0, 8, false)); // 16.8 MP
    files.put("rgb8-2048x2048.png", zeroPng(2048, 2048, 2, 8, false)); // 4.2 MP: an ordinary size
    files.put("rgba16-2896x2896.png", zeroPng(2896, 2896, 6, 16, false)); // 8.4 MP, 8 bytes a pixel
    files.put("interlaced-grey1-5792x5792.png", zeroPng(5792, 5792, 0, 1, true)); // Adam7: 7 passes
    files.put("grey1-8192x8192.png", zeroPng(8192, 8192, 0, 1, false)); // 67 MP: over the pixel limit
    files.put("grey8-2400x2400.jpg", flatJpeg(2400, 2400, false)); // 5.8 MP grey JPEG
    files.put("progressive-grey8-4096x4096.jpg", flatJpeg(4096, 4096, true)); // 16.8 MP in several scans
    files.put("truncated-grey1-5792x5792.png", Arrays.copyOf(grey1, grey1.length / 2));
    files.put("short-data-5792x5792.png", HostileImages.pngDeclaring(5792, 5792)); // data for ~60 rows
    files.put("bad-deflate-5792x5792.png", badDeflatePng(5792, 5792));
    byte[] jpeg = files.get("grey8-2400x2400.jpg");
    files.put("truncated-grey8-2400x2400.jpg", Arrays.copyOf(jpeg, jpeg.length * 2 / 3));
    return files;
  }

  /** The committed copy of corpus file {@code name} (what the tests send). */
  public static byte[] committed(String name) {
    try (InputStream in = BombCorpus.class.getResourceAsStream("/fixtures/bombs/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing corpus file " + name + "; regenerate the corpus (see BombCorpus)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> file : files().entrySet()) {
      Files.write(dir.resolve(file.getKey()), file.getValue());
      System.out.printf("%-36s %8d bytes%n", file.getKey(), file.getValue().length);
    }
  }

  /** An all-zero PNG streamed through the deflater row by row (nothing megapixel-sized in memory). */
  public static byte[] zeroPng(int width, int height, int colourType, int bitDepth, boolean interlaced) {
    int channels = switch (colourType) {
      case 2 -> 3;
      case 4 -> 2;
      case 6 -> 4;
      default -> 1;
    };
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(9), 1 << 16)) {
      if (interlaced) {
        int[][] passes = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
        for (int[] pass : passes) {
          int passWidth = (width - pass[0] + pass[2] - 1) / pass[2];
          int passHeight = (height - pass[1] + pass[3] - 1) / pass[3];
          if (passWidth > 0 && passHeight > 0) {
            writeZeroRows(z, passWidth, passHeight, channels * bitDepth);
          }
        }
      } else {
        writeZeroRows(z, width, height, channels * bitDepth);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] ihdr = new byte[13];
    putInt(ihdr, 0, width);
    putInt(ihdr, 4, height);
    ihdr[8] = (byte) bitDepth;
    ihdr[9] = (byte) colourType;
    ihdr[12] = (byte) (interlaced ? 1 : 0);
    if (colourType == 3) {
      return HostileImages.png(HostileImages.chunk("IHDR", ihdr), HostileImages.chunk("PLTE", new byte[] {0, 0, 0, -1, -1, -1}),
          HostileImages.chunk("IDAT", idat.toByteArray()), HostileImages.chunk("IEND", new byte[0]));
    }
    return HostileImages.png(HostileImages.chunk("IHDR", ihdr), HostileImages.chunk("IDAT", idat.toByteArray()),
        HostileImages.chunk("IEND", new byte[0]));
  }

  private static void writeZeroRows(DeflaterOutputStream z, int width, int height, int bitsPerPixel) throws IOException {
    byte[] row = new byte[1 + (int) (((long) width * bitsPerPixel + 7) / 8)]; // filter byte 0, then samples
    for (int y = 0; y < height; y++) {
      z.write(row);
    }
  }

  /** A PNG declaring a bomb-sized 1-bit grey image whose IDAT (with a correct CRC) is not zlib data. */
  private static byte[] badDeflatePng(int width, int height) {
    byte[] ihdr = new byte[13];
    putInt(ihdr, 0, width);
    putInt(ihdr, 4, height);
    ihdr[8] = 1;
    byte[] garbage = new byte[4096];
    new Random(16).nextBytes(garbage);
    garbage[0] = 0x78; // a zlib header, then noise
    garbage[1] = (byte) 0x9C;
    return HostileImages.png(HostileImages.chunk("IHDR", ihdr), HostileImages.chunk("IDAT", garbage),
        HostileImages.chunk("IEND", new byte[0]));
  }

  private static byte[] flatJpeg(int width, int height, boolean progressive) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    if (!progressive) {
      return TestImages.encode(image, "jpeg");
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ImageWriteParam param = writer.getDefaultWriteParam();
    param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  private static void putInt(byte[] b, int at, long value) {
    b[at] = (byte) (value >>> 24);
    b[at + 1] = (byte) (value >>> 16);
    b[at + 2] = (byte) (value >>> 8);
    b[at + 3] = (byte) value;
  }
}
