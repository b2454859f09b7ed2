package dev.varco.vision.image;

import java.nio.charset.StandardCharsets;

/** Image container formats recognised by their leading bytes; only PNG and JPEG are decoded. */
public enum ImageFormat {
  PNG("PNG", true),
  JPEG("JPEG", true),
  GIF("GIF", false),
  WEBP("WebP", false),
  BMP("BMP", false),
  TIFF("TIFF", false),
  HEIF("HEIF/AVIF", false),
  ICO("ICO", false),
  PDF("PDF", false),
  SVG("SVG", false),
  UNKNOWN("unknown", false);

  private final String displayName;
  private final boolean supported;

  ImageFormat(String displayName, boolean supported) {
    this.displayName = displayName;
    this.supported = supported;
  }

  public String displayName() {
    return displayName;
  }

  public boolean supported() {
    return supported;
  }

  /** Sniffs the format from magic bytes; file names and declared types are never trusted. */
  public static ImageFormat detect(byte[] bytes) {
    if (startsWith(bytes, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return PNG;
    }
    if (startsWith(bytes, 0, 0xFF, 0xD8, 0xFF)) {
      return JPEG;
    }
    if (startsWith(bytes, 0, 'G', 'I', 'F', '8')) {
      return GIF;
    }
    if (startsWith(bytes, 0, 'R', 'I', 'F', 'F') && startsWith(bytes, 8, 'W', 'E', 'B', 'P')) {
      return WEBP;
    }
    if (startsWith(bytes, 0, 'B', 'M')) {
      return BMP;
    }
    if (startsWith(bytes, 0, 'I', 'I', 0x2A, 0x00) || startsWith(bytes, 0, 'M', 'M', 0x00, 0x2A)) {
      return TIFF;
    }
    if (startsWith(bytes, 4, 'f', 't', 'y', 'p')) {
      return HEIF;
    }
    if (startsWith(bytes, 0, 0x00, 0x00, 0x01, 0x00)) {
      return ICO;
    }
    if (startsWith(bytes, 0, '%', 'P', 'D', 'F')) {
      return PDF;
    }
    String head =
        new String(bytes, 0, Math.min(bytes.length, 256), StandardCharsets.ISO_8859_1).stripLeading();
    if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.contains("<svg"))) {
      return SVG;
    }
    return UNKNOWN;
  }

  private static boolean startsWith(byte[] bytes, int offset, int... signature) {
    if (bytes.length < offset + signature.length) {
      return false;
    }
    for (int i = 0; i < signature.length; i++) {
      if ((bytes[offset + i] & 0xFF) != signature[i]) {
        return false;
      }
    }
    return true;
  }
}
