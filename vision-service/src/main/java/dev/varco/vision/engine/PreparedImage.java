package dev.varco.vision.engine;

import dev.varco.vision.image.AnyresPlan;
import dev.varco.vision.image.TileBatch;

/**
 * An image decoded and cut into encoder tiles, waiting for its features.
 *
 * @param width upright width in pixels
 * @param height upright height in pixels
 * @param plan the anyres layout, needed again to pack the features
 * @param tiles the base tile, then the grid tiles row by row
 */
public record PreparedImage(int width, int height, AnyresPlan plan, TileBatch tiles) {}
