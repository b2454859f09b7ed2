package dev.varco.vision.encoder;

import dev.varco.model.manifest.InvalidModelDirectoryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the learned {@code image_newline} vector: raw little-endian float32[hidden_size]. */
public final class ImageNewline {
  private ImageNewline() {}

  public static float[] load(Path file, int hiddenSize) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new InvalidModelDirectoryException("cannot read vision.image_newline " + file + ": " + e.getMessage());
    }
    if (bytes.length != hiddenSize * Float.BYTES) {
      throw new InvalidModelDirectoryException(
          "vision.image_newline " + file + " has " + bytes.length + " bytes, expected " + hiddenSize * Float.BYTES
              + " (float32 x hidden_size " + hiddenSize + ")");
    }
    float[] vector = new float[hiddenSize];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
    return vector;
  }
}
