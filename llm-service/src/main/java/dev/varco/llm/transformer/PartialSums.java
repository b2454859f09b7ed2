package dev.varco.llm.transformer;

/**
 * Where a tensor-parallel decoder adds up its shards' partial results: twice per layer, after the
 * attention output projection and after the MLP down projection, each time {@code rows x hidden}
 * floats that every rank must replace by the sum over all ranks (in rank order, so every rank
 * holds the same bits). A single process holds whole layers and has nothing to add.
 */
public interface PartialSums {
  PartialSums NONE = (layer, point, rows, count, width) -> {};

  /** Where in a layer the sum is taken. */
  enum Point {
    ATTENTION_OUTPUT,
    MLP_OUTPUT
  }

  /**
   * Called once at the start of every forward pass, before the first layer, with the pass's
   * sequences and input rows ({@code total} rows): a coordinator of shards sends them to the other
   * ranks here, so they run the same pass.
   */
  default void beginPass(java.util.List<SequenceRows> sequences, float[] rows, int total) {}

  /** Replaces {@code rows[0 .. count*width)} by its sum over all ranks. */
  void allReduce(int layer, Point point, float[] rows, int count, int width);
}
