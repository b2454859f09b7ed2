package dev.varco.llm.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = A · Wᵀ} for activation rows {@code A} (row-major, {@code K = w.cols()} floats per row)
 * and a weight matrix {@code W} of any storage format: the matmul of every projection.
 *
 * <p>Blocked: the weight rows are cut into blocks sized to stay in the core's L2 cache; a block is
 * widened once into an F32 panel and then multiplied by every activation row in 4 x 4 register
 * tiles (4 rows of A times 4 rows of the panel, 16 vector accumulators along K). Blocks are the
 * parallel tasks, so threads never share an output.
 *
 * <p>Every output element is one dot product computed the same way whatever the number of rows,
 * the tile it falls in or the thread that runs it: vector FMAs along K in order, a fixed
 * pairwise sum of the lanes, then the leftover columns in order. So a prompt prefilled in chunks
 * of any size, or a row decoded alone or in a batch, gives bit-identical results.
 */
public final class MatMul {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = S.length();
  /** Panel size a task widens before multiplying: well inside a core's L2 (512 KiB - 1 MiB). */
  private static final int PANEL_FLOATS = 64 * 1024;
  private static final int MAX_BLOCK_ROWS = 64;
  private static final int TILE = 4;
  private static final VectorShuffle<Float> SWAP_8 = swap(8);
  private static final VectorShuffle<Float> SWAP_4 = swap(4);
  private static final VectorShuffle<Float> SWAP_2 = swap(2);
  private static final VectorShuffle<Float> SWAP_1 = swap(1);

  private MatMul() {}

  /** Per-worker panels, grown on demand; owned by the thread that runs a forward pass. */
  public static final class Scratch {
    private final float[][] panels;

    private final float[][] lanes;

    public Scratch(ParallelLoop loop) {
      panels = new float[loop.threads()][];
      lanes = new float[loop.threads()][TILE * TILE * LANES];
    }

    float[] lanes(int worker) {
      return lanes[worker];
    }

    float[] panel(int worker, int floats) {
      float[] panel = panels[worker];
      if (panel == null || panel.length < floats) {
        panel = new float[floats];
        panels[worker] = panel;
      }
      return panel;
    }
  }

  /**
   * Writes row m of the product to {@code c[m * ldc + cOffset .. + w.rows())}, for m < rows.
   *
   * @param a {@code rows x w.cols()} activations, row-major
   */
  public static void multiply(
      ParallelLoop loop, Scratch scratch, float[] a, int rows, WeightMatrix w, float[] c, int ldc, int cOffset) {
    int k = w.cols();
    int n = w.rows();
    if ((long) rows * k > a.length) {
      throw new IllegalArgumentException(rows + " rows of " + k + " do not fit " + a.length + " activations");
    }
    if ((long) (rows - 1) * ldc + cOffset + n > c.length) {
      throw new IllegalArgumentException("the output does not fit " + c.length + " floats");
    }
    int blockRows = blockRows(k);
    int blocks = (n + blockRows - 1) / blockRows;
    if (rows == 1 && k % LANES == 0 && (w instanceof F32Matrix || w instanceof Bf16Matrix)) {
      // One row (a lone decode step) of float weights: nothing to amortize a panel over, so read
      // the storage directly. Q8/Q4 blocks widen faster a block at a time into the panel.
      loop.run(blocks, (block, worker) -> {
        int first = block * blockRows;
        multiplyRow(a, w, first, Math.min(blockRows, n - first), c, cOffset);
      });
      return;
    }
    loop.run(blocks, (block, worker) -> {
      int first = block * blockRows;
      int count = Math.min(blockRows, n - first);
      float[] panel = scratch.panel(worker, blockRows * k);
      w.unpackRows(first, count, panel);
      multiplyPanel(a, rows, k, panel, count, c, ldc, cOffset + first, scratch.lanes(worker));
    });
  }

  /** Weight rows per block: a multiple of the tile height whose F32 panel fits PANEL_FLOATS. */
  static int blockRows(int k) {
    int rows = Math.min(MAX_BLOCK_ROWS, PANEL_FLOATS / k);
    return Math.max(TILE, rows - rows % TILE);
  }

  private static void multiplyPanel(
      float[] a, int rows, int k, float[] panel, int panelRows, float[] c, int ldc, int cCol, float[] lanes) {
    int fullRows = rows - rows % TILE;
    int fullCols = panelRows - panelRows % TILE;
    for (int m = 0; m < fullRows; m += TILE) {
      for (int p = 0; p < fullCols; p += TILE) {
        tile4x4(a, m, k, panel, p, c, ldc, cCol, lanes);
      }
      for (int p = fullCols; p < panelRows; p++) {
        for (int r = m; r < m + TILE; r++) {
          c[r * ldc + cCol + p] = dot(a, r * k, panel, p * k, k);
        }
      }
    }
    for (int m = fullRows; m < rows; m++) {
      for (int p = 0; p < fullCols; p += TILE) {
        tile1x4(a, m, k, panel, p, c, ldc, cCol);
      }
      for (int p = fullCols; p < panelRows; p++) {
        c[m * ldc + cCol + p] = dot(a, m * k, panel, p * k, k);
      }
    }
  }

  private static void tile4x4(float[] a, int m, int k, float[] w, int p, float[] c, int ldc, int cCol, float[] lanes) {
    int a0 = m * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    int w0 = p * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
    FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
    FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
    FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    int bound = k - k % LANES;
    for (int i = 0; i < bound; i += LANES) {
      FloatVector x0 = FloatVector.fromArray(S, a, a0 + i);
      FloatVector x1 = FloatVector.fromArray(S, a, a1 + i);
      FloatVector x2 = FloatVector.fromArray(S, a, a2 + i);
      FloatVector x3 = FloatVector.fromArray(S, a, a3 + i);
      FloatVector y = FloatVector.fromArray(S, w, w0 + i);
      c00 = x0.fma(y, c00);
      c10 = x1.fma(y, c10);
      c20 = x2.fma(y, c20);
      c30 = x3.fma(y, c30);
      y = FloatVector.fromArray(S, w, w1 + i);
      c01 = x0.fma(y, c01);
      c11 = x1.fma(y, c11);
      c21 = x2.fma(y, c21);
      c31 = x3.fma(y, c31);
      y = FloatVector.fromArray(S, w, w2 + i);
      c02 = x0.fma(y, c02);
      c12 = x1.fma(y, c12);
      c22 = x2.fma(y, c22);
      c32 = x3.fma(y, c32);
      y = FloatVector.fromArray(S, w, w3 + i);
      c03 = x0.fma(y, c03);
      c13 = x1.fma(y, c13);
      c23 = x2.fma(y, c23);
      c33 = x3.fma(y, c33);
    }
    int r0 = m * ldc + cCol + p, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
    // Lanes go to memory and are summed there, in sumLanes' order: 16 inlined vector reductions
    // exceed what C2 inlines into one method, and a reduction it does not inline boxes its vector.
    c00.intoArray(lanes, 0);
    c01.intoArray(lanes, LANES);
    c02.intoArray(lanes, 2 * LANES);
    c03.intoArray(lanes, 3 * LANES);
    c10.intoArray(lanes, 4 * LANES);
    c11.intoArray(lanes, 5 * LANES);
    c12.intoArray(lanes, 6 * LANES);
    c13.intoArray(lanes, 7 * LANES);
    c20.intoArray(lanes, 8 * LANES);
    c21.intoArray(lanes, 9 * LANES);
    c22.intoArray(lanes, 10 * LANES);
    c23.intoArray(lanes, 11 * LANES);
    c30.intoArray(lanes, 12 * LANES);
    c31.intoArray(lanes, 13 * LANES);
    c32.intoArray(lanes, 14 * LANES);
    c33.intoArray(lanes, 15 * LANES);
    for (int j = 0; j < TILE; j++) {
      c[r0 + j] = sumStoredLanes(lanes, j * LANES);
      c[r1 + j] = sumStoredLanes(lanes, (4 + j) * LANES);
      c[r2 + j] = sumStoredLanes(lanes, (8 + j) * LANES);
      c[r3 + j] = sumStoredLanes(lanes, (12 + j) * LANES);
    }
    if (bound < k) {
      for (int i = 0; i < TILE; i++) {
        for (int j = 0; j < TILE; j++) {
          int out = r0 + i * ldc + j;
          c[out] = tail(c[out], a, (m + i) * k, w, (p + j) * k, bound, k);
        }
      }
    }
  }

  private static void tile1x4(float[] a, int m, int k, float[] w, int p, float[] c, int ldc, int cCol) {
    int a0 = m * k;
    int w0 = p * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
    FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
    int bound = k - k % LANES;
    for (int i = 0; i < bound; i += LANES) {
      FloatVector x = FloatVector.fromArray(S, a, a0 + i);
      c0 = x.fma(FloatVector.fromArray(S, w, w0 + i), c0);
      c1 = x.fma(FloatVector.fromArray(S, w, w1 + i), c1);
      c2 = x.fma(FloatVector.fromArray(S, w, w2 + i), c2);
      c3 = x.fma(FloatVector.fromArray(S, w, w3 + i), c3);
    }
    int r = m * ldc + cCol + p;
    c[r] = sumLanes(c0);
    c[r + 1] = sumLanes(c1);
    c[r + 2] = sumLanes(c2);
    c[r + 3] = sumLanes(c3);
    if (bound < k) {
      for (int j = 0; j < TILE; j++) {
        c[r + j] = tail(c[r + j], a, a0, w, (p + j) * k, bound, k);
      }
    }
  }

  /**
   * Row 0 of A times weight rows {@code [first, first + count)}, read from the storage a vector at a
   * time: the same values and the same order of FMAs as the panel path, hence the same bits.
   */
  private static void multiplyRow(float[] a, WeightMatrix w, int first, int count, float[] c, int cOffset) {
    int k = w.cols();
    int full = count - count % TILE;
    for (int p = first; p < first + full; p += TILE) {
      FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
      for (int i = 0; i < k; i += LANES) {
        FloatVector x = FloatVector.fromArray(S, a, i);
        c0 = x.fma(w.vector(p, i), c0);
        c1 = x.fma(w.vector(p + 1, i), c1);
        c2 = x.fma(w.vector(p + 2, i), c2);
        c3 = x.fma(w.vector(p + 3, i), c3);
      }
      c[cOffset + p] = sumLanes(c0);
      c[cOffset + p + 1] = sumLanes(c1);
      c[cOffset + p + 2] = sumLanes(c2);
      c[cOffset + p + 3] = sumLanes(c3);
    }
    for (int p = first + full; p < first + count; p++) {
      FloatVector acc = FloatVector.zero(S);
      for (int i = 0; i < k; i += LANES) {
        acc = FloatVector.fromArray(S, a, i).fma(w.vector(p, i), acc);
      }
      c[cOffset + p] = sumLanes(acc);
    }
  }

  /** One dot product, computed exactly as the tiles compute each of theirs. */
  public static float dot(float[] a, int aOffset, float[] b, int bOffset, int k) {
    FloatVector acc = FloatVector.zero(S);
    int bound = k - k % LANES;
    for (int i = 0; i < bound; i += LANES) {
      acc = FloatVector.fromArray(S, a, aOffset + i).fma(FloatVector.fromArray(S, b, bOffset + i), acc);
    }
    return tail(sumLanes(acc), a, aOffset, b, bOffset, bound, k);
  }

  /** The columns past the last whole vector, in order. */
  private static float tail(float sum, float[] a, int aOffset, float[] w, int wOffset, int from, int k) {
    for (int i = from; i < k; i++) {
      sum = Math.fma(a[aOffset + i], w[wOffset + i], sum);
    }
    return sum;
  }

  /**
   * The lanes' sum by halving (lane i + lane i + L/2, ...): a fixed order, unlike
   * {@code reduceLanes}, whose compiled code sums in another order than its interpreted code (so a
   * result would depend on whether the JIT had compiled the caller yet). Split into methods of a
   * few bytecodes each: C2 inlines those even at cold call sites, which keeps the vectors in
   * registers (a call it does not inline boxes its vector argument).
   */
  public static float sumLanes(FloatVector v) {
    return fold1(fold2(fold4(fold8(v)))).lane(0);
  }

  private static FloatVector fold8(FloatVector v) {
    return LANES > 8 ? v.add(v.rearrange(SWAP_8)) : v;
  }

  private static FloatVector fold4(FloatVector v) {
    return LANES > 4 ? v.add(v.rearrange(SWAP_4)) : v;
  }

  private static FloatVector fold2(FloatVector v) {
    return LANES > 2 ? v.add(v.rearrange(SWAP_2)) : v;
  }

  private static FloatVector fold1(FloatVector v) {
    return LANES > 1 ? v.add(v.rearrange(SWAP_1)) : v;
  }

  /**
   * {@link #sumLanes} of a vector stored at {@code lanes[from ..]} (which it overwrites): the same
   * pairs in the same order (lane i + lane i + L/2, halving down to one), in scalar code, so the
   * same bits.
   */
  static float sumStoredLanes(float[] lanes, int from) {
    for (int width = LANES / 2; width >= 1; width /= 2) {
      for (int i = from; i < from + width; i++) {
        lanes[i] = lanes[i] + lanes[i + width];
      }
    }
    return lanes[from];
  }

  private static VectorShuffle<Float> swap(int offset) {
    return LANES > offset ? VectorShuffle.fromOp(S, i -> i ^ offset) : null;
  }

}
