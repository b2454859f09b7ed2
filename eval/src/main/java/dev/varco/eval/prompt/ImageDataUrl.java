package dev.varco.eval.prompt;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import javax.imageio.ImageIO;

/**
 * An image file as the {@code data:} URL of an OpenAI {@code image_url} content part. PNG and
 * JPEG go as they are; GIF and BMP (which some servers, this stack's gateway among them, refuse)
 * are re-encoded losslessly as PNG (a GIF's first frame); anything else goes as it is, for the
 * server to accept or refuse.
 */
public final class ImageDataUrl {
  private ImageDataUrl() {}

  public static String of(byte[] image) {
    String mime = mimeType(image);
    byte[] bytes = image;
    if (mime.equals("image/gif") || mime.equals("image/bmp")) {
      byte[] png = asPng(image);
      if (png != null) {
        mime = "image/png";
        bytes = png;
      }
    }
    return "data:" + mime + ";base64," + Base64.getEncoder().encodeToString(bytes);
  }

  private static byte[] asPng(byte[] image) {
    try {
      BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image));
      if (decoded == null) {
        return null;
      }
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      return ImageIO.write(decoded, "png", png) ? png.toByteArray() : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** From the file's magic bytes; the sets hold PNG and JPEG, a few GIF/WebP/BMP elsewhere. */
  static String mimeType(byte[] b) {
    if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
      return "image/png";
    }
    if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8) {
      return "image/jpeg";
    }
    if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') {
      return "image/gif";
    }
    if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E') {
      return "image/webp";
    }
    if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
      return "image/bmp";
    }
    return "application/octet-stream";
  }
}
