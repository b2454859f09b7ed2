package dev.varco.vision.engine;

import dev.varco.vision.image.GridPinpoint;

/**
 * The packed embeddings of one image, ready for the wire.
 *
 * @param imageWidth upright width in pixels
 * @param imageHeight upright height in pixels
 * @param canvas the anyres grid pinpoint the image was laid out on
 * @param gridTileCount tiles cut from the canvas, base tile excluded
 * @param tokenCount embedding rows
 * @param hiddenSize values per row
 * @param float16Payload {@code tokenCount * hiddenSize} IEEE half floats, little-endian, token-major
 */
public record ImageEmbedding(
    int imageWidth,
    int imageHeight,
    GridPinpoint canvas,
    int gridTileCount,
    int tokenCount,
    int hiddenSize,
    byte[] float16Payload) {}
