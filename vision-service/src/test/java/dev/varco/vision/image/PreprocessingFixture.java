package dev.varco.vision.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * fixtures/preprocessing/: reference anyres tiles computed with Pillow by
 * src/test/python/preprocessing_fixtures.py from the images in fixtures/images/. Pixel arrays are
 * stored as zlib of the PNG "Sub" filter; {@link #pixels} undoes both.
 */
public final class PreprocessingFixture {
  private PreprocessingFixture() {}

  public static JsonNode index() {
    try (InputStream in = resource("preprocessing/index.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] bytes(String path) {
    try (InputStream in = resource(path)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An RGB array of rows {@code width * 3} bytes wide, inflated and un-filtered. */
  public static byte[] pixels(String path, int width) {
    byte[] delta = inflate(bytes(path));
    int rowBytes = width * 3;
    for (int rowStart = 0; rowStart < delta.length; rowStart += rowBytes) {
      for (int i = rowStart + 3; i < rowStart + rowBytes; i++) {
        delta[i] = (byte) (delta[i] + delta[i - 3]);
      }
    }
    return delta;
  }

  private static byte[] inflate(byte[] compressed) {
    Inflater inflater = new Inflater();
    inflater.setInput(compressed);
    ByteArrayOutputStream out = new ByteArrayOutputStream(compressed.length * 4);
    byte[] buffer = new byte[1 << 16];
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new IllegalStateException("fixture data is truncated");
        }
        out.write(buffer, 0, n);
      }
    } catch (DataFormatException e) {
      throw new IllegalStateException("fixture data is not zlib", e);
    } finally {
      inflater.end();
    }
    return out.toByteArray();
  }

  private static InputStream resource(String path) {
    InputStream in = PreprocessingFixture.class.getResourceAsStream("/fixtures/" + path);
    if (in == null) {
      throw new IllegalStateException("missing test resource fixtures/" + path);
    }
    return in;
  }
}
