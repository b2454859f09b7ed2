package dev.varco.gateway.tasks;

/**
 * The upright size of a PNG or JPEG image read from its headers, without decoding a pixel: the
 * stored width and height (PNG IHDR, JPEG frame header) with the EXIF orientation applied the way
 * vision-service applies it (transformers' {@code load_image}, {@code ImageOps.exif_transpose}):
 * orientations 5 to 8 swap width and height. The orientation is read as vision-service reads it:
 * tag 0x0112 of IFD0, values outside 1..8 or an unreadable block count as 1; a JPEG's first Exif
 * APP1 segment counts; a PNG's last eXIf chunk does.
 *
 * <p>Anything else, or a header cut short, is refused with an {@link InvalidTaskException} on
 * {@code image}. This is not a validator: vision-service still checks the whole file when it
 * decodes it.
 */
public final class ImageGeometry {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10};
  private static final int EXIF_ORIENTATION_TAG = 0x0112;

  private ImageGeometry() {}

  public static ImageSize of(byte[] image) {
    if (image == null || image.length == 0) {
      throw refused("the image is empty");
    }
    if (startsWith(image, 0, PNG_SIGNATURE)) {
      return png(image);
    }
    if (image.length >= 3 && (image[0] & 0xFF) == 0xFF && (image[1] & 0xFF) == 0xD8 && (image[2] & 0xFF) == 0xFF) {
      return jpeg(image);
    }
    throw refused("the image is neither PNG nor JPEG (no PNG or JPEG signature)");
  }

  private static ImageSize png(byte[] b) {
    int offset = PNG_SIGNATURE.length;
    long width = -1;
    long height = -1;
    int orientation = 1;
    while (true) {
      if (offset + 8 > b.length) {
        throw refused("PNG image is truncated: it ends before its IEND chunk");
      }
      long length = u32(b, offset);
      int data = offset + 8;
      if (length > b.length - data - 4L) {
        throw refused("PNG image is truncated: a chunk declares " + length + " bytes, more than the file holds");
      }
      boolean ihdr = is(b, offset + 4, "IHDR");
      if (width < 0) {
        if (!ihdr || length != 13) {
          throw refused("PNG image is corrupt: it does not start with a 13-byte IHDR chunk");
        }
        width = u32(b, data);
        height = u32(b, data + 4);
      } else if (is(b, offset + 4, "eXIf")) {
        orientation = orientation(b, data, data + (int) length);
      }
      offset = data + (int) length + 4;
      if (is(b, data - 4, "IEND")) {
        return upright(width, height, orientation, "PNG");
      }
    }
  }

  private static ImageSize jpeg(byte[] b) {
    int offset = 2;
    boolean sawExif = false;
    int orientation = 1;
    long width = -1;
    long height = -1;
    while (true) {
      if (offset >= b.length || (b[offset] & 0xFF) != 0xFF) {
        throw refused(offset >= b.length
            ? "JPEG image is truncated: it ends before its first scan"
            : "JPEG image is corrupt: expected a marker at byte " + offset);
      }
      while (offset < b.length && (b[offset] & 0xFF) == 0xFF) {
        offset++; // fill bytes
      }
      if (offset + 3 > b.length) {
        throw refused("JPEG image is truncated: it ends inside a segment header");
      }
      int marker = b[offset] & 0xFF;
      int length = ((b[offset + 1] & 0xFF) << 8) | (b[offset + 2] & 0xFF);
      int body = offset + 3;
      int end = offset + 1 + length;
      if (marker == 0xD8 || marker == 0xD9 || marker == 0x01 || marker == 0 || (marker >= 0xD0 && marker <= 0xD7)) {
        throw refused(String.format("JPEG image is corrupt: unexpected marker 0x%02X before the first scan", marker));
      }
      if (length < 2 || end > b.length) {
        throw refused(String.format("JPEG image is truncated: segment 0x%02X declares %d bytes, more than the file holds", marker, length));
      }
      boolean frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (frame && width < 0) {
        if (length < 8) {
          throw refused("JPEG image is corrupt: its frame header is too short");
        }
        height = ((b[body + 1] & 0xFF) << 8) | (b[body + 2] & 0xFF);
        width = ((b[body + 3] & 0xFF) << 8) | (b[body + 4] & 0xFF);
      } else if (marker == 0xE1 && !sawExif && end - body >= 6 && is(b, body, "Exif") && b[body + 4] == 0 && b[body + 5] == 0) {
        sawExif = true;
        orientation = orientation(b, body + 6, end);
      } else if (marker == 0xDA) {
        if (width < 0) {
          throw refused("JPEG image is corrupt: its first scan comes before any frame header");
        }
        return upright(width, height, orientation, "JPEG");
      }
      offset = end;
    }
  }

  private static ImageSize upright(long width, long height, int orientation, String format) {
    if (width < 1 || height < 1 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
      throw refused(format + " image declares an unusable size " + width + "x" + height);
    }
    return orientation >= 5
        ? new ImageSize((int) height, (int) width)
        : new ImageSize((int) width, (int) height);
  }

  /** EXIF orientation 1..8 from the TIFF block {@code b[tiff, end)}; 1 when absent or unreadable. */
  static int orientation(byte[] b, int tiff, int end) {
    if (tiff + 8 > end) {
      return 1;
    }
    boolean little = is(b, tiff, "II");
    if (!little && !is(b, tiff, "MM")) {
      return 1;
    }
    long ifd = tiff + unsigned(b, tiff + 4, 4, little);
    if (ifd + 2 > end) {
      return 1;
    }
    long entries = unsigned(b, (int) ifd, 2, little);
    for (long entry = ifd + 2; entry < ifd + 2 + 12 * entries; entry += 12) {
      if (entry + 12 > end) {
        return 1;
      }
      if (unsigned(b, (int) entry, 2, little) == EXIF_ORIENTATION_TAG) {
        long value = unsigned(b, (int) entry + 8, 2, little);
        return value >= 1 && value <= 8 ? (int) value : 1;
      }
    }
    return 1;
  }

  private static long unsigned(byte[] b, int at, int bytes, boolean little) {
    long v = 0;
    for (int i = 0; i < bytes; i++) {
      int shift = 8 * (little ? i : bytes - 1 - i);
      v |= (long) (b[at + i] & 0xFF) << shift;
    }
    return v;
  }

  private static long u32(byte[] b, int at) {
    return unsigned(b, at, 4, false);
  }

  private static boolean is(byte[] b, int at, String ascii) {
    if (at < 0 || at + ascii.length() > b.length) {
      return false;
    }
    for (int i = 0; i < ascii.length(); i++) {
      if (b[at + i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsWith(byte[] b, int at, byte[] prefix) {
    if (b.length < at + prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static InvalidTaskException refused(String why) {
    return new InvalidTaskException("image", why);
  }
}
