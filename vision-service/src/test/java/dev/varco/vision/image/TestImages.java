package dev.varco.vision.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;

/** Image files built in memory for tests: deterministic gradients or noise in the requested format. */
public final class TestImages {
  private TestImages() {}

  /** A smooth colour gradient, so JPEG round trips stay close to the source. */
  public static BufferedImage gradient(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int r = 255 * x / Math.max(1, width - 1);
        int g = 255 * y / Math.max(1, height - 1);
        image.setRGB(x, y, (r << 16) | (g << 8) | 128);
      }
    }
    return image;
  }

  /** Random pixels: incompressible, so the file is about 3 bytes per pixel. */
  public static BufferedImage noise(int width, int height, long seed) {
    Random random = new Random(seed);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    return image;
  }

  public static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static byte[] png(int width, int height) {
    return encode(gradient(width, height), "png");
  }

  public static byte[] jpeg(int width, int height) {
    return encode(gradient(width, height), "jpeg");
  }

  public static byte[] gif(int width, int height) {
    return encode(gradient(width, height), "gif");
  }

  public static byte[] truncated(byte[] file, double keptFraction) {
    return Arrays.copyOf(file, (int) (file.length * keptFraction));
  }
}
