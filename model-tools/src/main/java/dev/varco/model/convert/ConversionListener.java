package dev.varco.model.convert;

/** Receives progress of a conversion; called on the converting thread. */
@FunctionalInterface
public interface ConversionListener {
  /**
   * @param stage what is being written, e.g. "vision encoder", "language model"
   * @param item the tensor or layer just finished
   * @param percent overall progress, 0..100
   */
  void onProgress(String stage, String item, double percent);

  ConversionListener SILENT = (stage, item, percent) -> {};
}
