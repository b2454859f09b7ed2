package dev.varco.system;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import javax.imageio.ImageIO;

/** Small synthetic pictures (gradients and a shape) encoded as real PNG/JPEG files. */
final class TestImages {
  private TestImages() {}

  static byte[] png(int width, int height) {
    return encode(picture(width, height), "png");
  }

  static byte[] jpeg(int width, int height) {
    return encode(picture(width, height), "jpeg");
  }

  static String dataUrl(String mimeType, byte[] bytes) {
    return "data:" + mimeType + ";base64," + Base64.getEncoder().encodeToString(bytes);
  }

  private static BufferedImage picture(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, new Color(x * 255 / width, y * 255 / height, 128).getRGB());
      }
    }
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillOval(width / 4, height / 4, Math.max(1, width / 2), Math.max(1, height / 2));
    g.dispose();
    return image;
  }

  private static byte[] encode(BufferedImage image, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
