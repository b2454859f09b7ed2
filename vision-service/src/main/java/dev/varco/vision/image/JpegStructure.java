package dev.varco.vision.image;

/**
 * Walks a JPEG's marker segments up to the first scan without decoding pixels: the frame header
 * (SOFn: size, precision, components, coding process), the EXIF orientation (APP1) and Adobe's
 * colour transform (APP14). Coding processes the decoder cannot read (lossless, arithmetic,
 * 12-bit, hierarchical) are refused here with a message that says so.
 */
final class JpegStructure {
  private static final int SOS = 0xDA;
  private static final int APP1 = 0xE1;
  private static final int APP14 = 0xEE;

  private JpegStructure() {}

  static ImageHeader read(byte[] jpeg) {
    int offset = 2; // after SOI
    int orientation = 1;
    boolean sawExif = false;
    int adobeTransform = -1;
    long width = -1;
    long height = -1;
    int components = 0;
    int precision = 0;
    while (true) {
      // Markers may be preceded by any number of 0xFF fill bytes.
      if (offset >= jpeg.length || (jpeg[offset] & 0xFF) != 0xFF) {
        throw corrupt(offset >= jpeg.length ? "it ends before its first scan" : "expected a marker at byte " + offset);
      }
      while (offset < jpeg.length && (jpeg[offset] & 0xFF) == 0xFF) {
        offset++;
      }
      if (offset >= jpeg.length) {
        throw corrupt("it ends before its first scan");
      }
      int marker = jpeg[offset++] & 0xFF;
      if (marker == 0xD8 || marker == 0xD9 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 || marker == 0) {
        throw corrupt(String.format("unexpected marker 0x%02X before the first scan", marker));
      }
      if (offset + 2 > jpeg.length) {
        throw corrupt("it ends inside a segment header");
      }
      int length = ((jpeg[offset] & 0xFF) << 8) | (jpeg[offset + 1] & 0xFF);
      int body = offset + 2;
      int end = offset + length;
      if (length < 2 || end > jpeg.length) {
        throw corrupt(String.format("segment 0x%02X declares %d bytes, more than the file holds", marker, length));
      }
      if (isFrameHeader(marker)) {
        if (width >= 0) {
          throw corrupt("it has two frame headers");
        }
        checkCodingProcess(marker);
        if (length < 8) {
          throw corrupt("its frame header is too short");
        }
        precision = jpeg[body] & 0xFF;
        height = ((jpeg[body + 1] & 0xFF) << 8) | (jpeg[body + 2] & 0xFF);
        width = ((jpeg[body + 3] & 0xFF) << 8) | (jpeg[body + 4] & 0xFF);
        components = jpeg[body + 5] & 0xFF;
        if (length < 8 + 3 * components) {
          throw corrupt("its frame header is shorter than its " + components + " components need");
        }
      } else if (marker == APP1 && !sawExif && isExif(jpeg, body, end)) {
        // The first Exif segment counts, as in Pillow.
        sawExif = true;
        orientation = ExifOrientation.fromTiff(jpeg, body + 6, end);
      } else if (marker == APP14 && end - body >= 12 && startsWith(jpeg, body, "Adobe")) {
        adobeTransform = jpeg[body + 11] & 0xFF;
      } else if (marker == SOS) {
        break;
      }
      offset = end;
    }
    if (width < 0) {
      throw corrupt("its first scan comes before any frame header");
    }
    if (height == 0) {
      throw new ImageRejectedException("JPEG images whose height is given after the scan (DNL) are not supported");
    }
    if (precision != 8) {
      throw new ImageRejectedException("JPEG images with " + precision + "-bit samples are not supported; send 8-bit JPEG or PNG");
    }
    if (components != 1 && components != 3 && components != 4) {
      throw new ImageRejectedException("JPEG images with " + components + " colour components are not supported");
    }
    return new ImageHeader(ImageFormat.JPEG, width, height, orientation, components, false, adobeTransform);
  }

  private static boolean isFrameHeader(int marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
  }

  /** Baseline, extended and progressive Huffman frames are decoded; the rest is named and refused. */
  private static void checkCodingProcess(int marker) {
    String process = switch (marker) {
      case 0xC0, 0xC1, 0xC2 -> null;
      case 0xC3 -> "lossless";
      case 0xC5, 0xC6, 0xC7 -> "hierarchical (differential)";
      default -> "arithmetic-coded";
    };
    if (process != null) {
      throw new ImageRejectedException(process + " JPEG images are not supported; send baseline or progressive JPEG, or PNG");
    }
  }

  private static boolean isExif(byte[] b, int at, int end) {
    return end - at >= 6 && startsWith(b, at, "Exif") && b[at + 4] == 0 && b[at + 5] == 0;
  }

  private static boolean startsWith(byte[] b, int at, String ascii) {
    for (int i = 0; i < ascii.length(); i++) {
      if (b[at + i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static ImageRejectedException corrupt(String why) {
    return new ImageRejectedException("JPEG image is corrupt or truncated: " + why);
  }
}
