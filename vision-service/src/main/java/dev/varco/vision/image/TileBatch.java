package dev.varco.vision.image;

/**
 * Encoder input for one image: {@code count} normalised tiles, {@code [count, 3, size, size]}
 * float32 channel-first, base tile first, then the grid tiles row by row.
 */
public record TileBatch(float[] pixelValues, int count, int size) {
  public int floatsPerTile() {
    return 3 * size * size;
  }
}
