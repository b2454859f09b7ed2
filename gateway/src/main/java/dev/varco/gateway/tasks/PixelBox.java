package dev.varco.gateway.tasks;

/**
 * A box in pixel edge coordinates of the original (upright) image: {@code 0 <= x1 <= x2 <= width}
 * and {@code 0 <= y1 <= y2 <= height}; it covers the pixels {@code [x1, x2) x [y1, y2)}, so a box
 * over the whole image is {@code 0, 0, width, height}.
 */
public record PixelBox(int x1, int y1, int x2, int y2) {}
