package dev.varco.eval.prompt;

import java.util.Base64;

/** An image file as the {@code data:} URL of an OpenAI {@code image_url} content part. */
public final class ImageDataUrl {
  private ImageDataUrl() {}

  public static String of(byte[] image) {
    return "data:" + mimeType(image) + ";base64," + Base64.getEncoder().encodeToString(image);
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
