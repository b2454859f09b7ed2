package dev.varco.gateway.tasks;

/** One box of a located phrase or OCR line, in both coordinate systems of the original image. */
public record LocatedBox(NormalizedBox normalized, PixelBox pixels) {}
