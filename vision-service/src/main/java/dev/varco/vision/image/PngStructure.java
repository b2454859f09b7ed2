package dev.varco.vision.image;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Walks a PNG's chunk list without decoding pixels: the size and colour type from IHDR, the EXIF
 * orientation from eXIf. An APNG's extra chunks (acTL, fcTL, fdAT) are walked and checked like
 * any other, and ignored: its default image is what gets decoded. Every chunk's length is checked against the file
 * and its CRC verified (as Pillow does while opening), so a damaged or truncated file is refused
 * here with the chunk named, before the decoder sees it.
 */
final class PngStructure {
  private static final int SIGNATURE_LENGTH = 8;

  private PngStructure() {}

  static ImageHeader read(byte[] png) {
    int offset = SIGNATURE_LENGTH;
    long width = -1;
    long height = -1;
    int colourType = -1;
    int orientation = 1;
    boolean sawData = false;
    CRC32 crc = new CRC32();
    while (true) {
      if (offset + 8 > png.length) {
        throw corrupt("it ends before its IEND chunk (truncated)");
      }
      long length = unsigned32(png, offset);
      String type = new String(png, offset + 4, 4, StandardCharsets.ISO_8859_1);
      int data = offset + 8;
      if (length > png.length - data - 4L) {
        throw corrupt("chunk " + printable(type) + " declares " + length + " bytes, more than the file holds (truncated)");
      }
      crc.reset();
      crc.update(png, offset + 4, 4 + (int) length);
      if (crc.getValue() != unsigned32(png, data + (int) length)) {
        throw corrupt("chunk " + printable(type) + " has a bad CRC");
      }
      if (width < 0 && !type.equals("IHDR")) {
        throw corrupt("the first chunk is " + printable(type) + ", not IHDR");
      }
      switch (type) {
        case "IHDR" -> {
          if (width >= 0) {
            // The decoder would size its buffers from one IHDR while the limits checked another.
            throw corrupt("it has two IHDR chunks");
          }
          if (length != 13) {
            throw corrupt("IHDR is " + length + " bytes, not 13");
          }
          width = unsigned32(png, data);
          height = unsigned32(png, data + 4);
          int bitDepth = png[data + 8] & 0xFF;
          colourType = png[data + 9] & 0xFF;
          checkColourLayout(bitDepth, colourType);
        }
        case "eXIf" -> orientation = ExifOrientation.fromTiff(png, data, data + (int) length);
        case "IDAT" -> sawData = true;
        default -> {}
      }
      offset = data + (int) length + 4;
      if (type.equals("IEND")) {
        break;
      }
    }
    if (!sawData) {
      throw corrupt("it has no IDAT chunk (no pixel data)");
    }
    int channels = switch (colourType) {
      case 0, 3 -> 1;
      case 2 -> 3;
      case 4 -> 2;
      default -> 4;
    };
    return new ImageHeader(ImageFormat.PNG, width, height, orientation, channels, colourType == 0, -1);
  }

  private static void checkColourLayout(int bitDepth, int colourType) {
    boolean valid = switch (colourType) {
      case 0 -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16;
      case 3 -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8;
      case 2, 4, 6 -> bitDepth == 8 || bitDepth == 16;
      default -> false;
    };
    if (!valid) {
      throw corrupt("IHDR declares colour type " + colourType + " with bit depth " + bitDepth + ", which PNG does not define");
    }
  }

  private static long unsigned32(byte[] b, int at) {
    return ((long) (b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
  }

  /** Chunk types come from the file: keep the message readable whatever the bytes are. */
  private static String printable(String type) {
    return type.chars().allMatch(c -> c >= 0x21 && c <= 0x7E) ? type : "(non-ASCII type)";
  }

  private static ImageRejectedException corrupt(String why) {
    return new ImageRejectedException("PNG image is corrupt or truncated: " + why);
  }
}
