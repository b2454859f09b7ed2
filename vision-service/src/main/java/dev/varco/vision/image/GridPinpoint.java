package dev.varco.vision.image;

/** One candidate canvas of the anyres grid, in pixels ({@code image_grid_pinpoints} order: height, width). */
public record GridPinpoint(int height, int width) {}
