package dev.varco.vision.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Hand-built hostile files: structurally valid where it matters (correct CRCs and segment
 * lengths), so the decoder's limits, not its corruption checks, have to catch them.
 */
public final class HostileImages {
  private HostileImages() {}

  /** A PNG whose IHDR declares {@code width x height} RGB but whose data is a few zero rows. */
  public static byte[] pngDeclaring(long width, long height) {
    byte[] ihdr = new byte[13];
    putInt(ihdr, 0, width);
    putInt(ihdr, 4, height);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // RGB
    // A megabyte of zeros deflates to about a kilobyte: the classic decompression bomb.
    byte[] idat = deflate(new byte[1 << 20]);
    return png(chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", new byte[0]));
  }

  /** A real PNG whose chunk {@code type} has its first CRC byte flipped. */
  public static byte[] withBadCrc(byte[] png, String type) {
    byte[] copy = png.clone();
    int offset = 8;
    while (offset + 8 <= copy.length) {
      int length = readInt(copy, offset);
      if (new String(copy, offset + 4, 4, StandardCharsets.ISO_8859_1).equals(type)) {
        copy[offset + 8 + length] ^= 0x5A;
        return copy;
      }
      offset += 12 + length;
    }
    throw new IllegalArgumentException("no " + type + " chunk");
  }

  /**
   * An animated PNG: acTL and fcTL before the default image (frame 0, which is {@code first}),
   * then a second frame of different pixels in fdAT. Built from two same-size 8-bit RGB PNGs.
   */
  public static byte[] apng(byte[] first, byte[] second) {
    byte[] ihdr = chunkData(first, "IHDR");
    byte[] actl = new byte[8];
    putInt(actl, 0, 2); // frames
    putInt(actl, 4, 0); // loop forever
    byte[] fdat = concat(intBytes(2), chunkData(second, "IDAT"));
    return png(
        chunk("IHDR", ihdr),
        chunk("acTL", actl),
        chunk("fcTL", frameControl(0, ihdr)),
        chunk("IDAT", chunkData(first, "IDAT")),
        chunk("fcTL", frameControl(1, ihdr)),
        chunk("fdAT", fdat),
        chunk("IEND", new byte[0]));
  }

  /** A real JPEG whose frame header (SOF0) is patched to declare {@code width x height}. */
  public static byte[] jpegDeclaring(byte[] jpeg, int width, int height) {
    byte[] copy = jpeg.clone();
    int sof = frameHeader(copy);
    copy[sof + 5] = (byte) (height >> 8);
    copy[sof + 6] = (byte) height;
    copy[sof + 7] = (byte) (width >> 8);
    copy[sof + 8] = (byte) width;
    return copy;
  }

  /** A real JPEG with its frame marker replaced (0xC9: arithmetic coding, 0xC3: lossless). */
  public static byte[] jpegWithFrameMarker(byte[] jpeg, int marker) {
    byte[] copy = jpeg.clone();
    copy[frameHeader(copy) + 1] = (byte) marker;
    return copy;
  }

  /** A real JPEG whose frame header declares 12-bit samples. */
  public static byte[] jpegWithPrecision(byte[] jpeg, int bits) {
    byte[] copy = jpeg.clone();
    copy[frameHeader(copy) + 4] = (byte) bits;
    return copy;
  }

  /** Offset of the SOF0/SOF2 marker's 0xFF. */
  private static int frameHeader(byte[] jpeg) {
    int offset = 2;
    while (offset + 4 <= jpeg.length) {
      int marker = jpeg[offset + 1] & 0xFF;
      if (marker == 0xC0 || marker == 0xC2) {
        return offset;
      }
      offset += 2 + (((jpeg[offset + 2] & 0xFF) << 8) | (jpeg[offset + 3] & 0xFF));
    }
    throw new IllegalArgumentException("no SOF0/SOF2 segment");
  }

  /** The data of the first chunk of that type (IDAT: all IDAT chunks concatenated). */
  public static byte[] chunkData(byte[] png, String type) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int offset = 8;
    while (offset + 8 <= png.length) {
      int length = readInt(png, offset);
      String chunkType = new String(png, offset + 4, 4, StandardCharsets.ISO_8859_1);
      if (chunkType.equals(type)) {
        out.write(png, offset + 8, length);
        if (!type.equals("IDAT")) {
          break;
        }
      }
      offset += 12 + length;
    }
    return out.toByteArray();
  }

  public static byte[] chunk(String type, byte[] data) {
    byte[] out = new byte[12 + data.length];
    putInt(out, 0, data.length);
    byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(typeBytes, 0, out, 4, 4);
    System.arraycopy(data, 0, out, 8, data.length);
    CRC32 crc = new CRC32();
    crc.update(out, 4, 4 + data.length);
    putInt(out, 8 + data.length, crc.getValue());
    return out;
  }

  public static byte[] png(byte[]... chunks) {
    byte[] out = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    for (byte[] chunk : chunks) {
      out = concat(out, chunk);
    }
    return out;
  }

  private static byte[] frameControl(int sequence, byte[] ihdr) {
    byte[] fctl = new byte[26];
    putInt(fctl, 0, sequence);
    System.arraycopy(ihdr, 0, fctl, 4, 8); // width, height
    fctl[20] = 0; // delay 0/100 s
    fctl[21] = 0;
    fctl[22] = 0;
    fctl[23] = 100;
    return fctl;
  }

  private static byte[] deflate(byte[] data) {
    Deflater deflater = new Deflater(9);
    deflater.setInput(data);
    deflater.finish();
    byte[] buffer = new byte[data.length + 64];
    int n = deflater.deflate(buffer);
    deflater.end();
    return Arrays.copyOf(buffer, n);
  }

  private static byte[] intBytes(long value) {
    byte[] out = new byte[4];
    putInt(out, 0, value);
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static void putInt(byte[] b, int at, long value) {
    b[at] = (byte) (value >> 24);
    b[at + 1] = (byte) (value >> 16);
    b[at + 2] = (byte) (value >> 8);
    b[at + 3] = (byte) value;
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
  }
}
