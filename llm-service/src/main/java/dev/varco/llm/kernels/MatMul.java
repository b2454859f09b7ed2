package dev.varco.llm.kernels;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = A · Wᵀ} for activation rows {@code A} (row-major, {@code K = w.cols()} floats per row)
 * and a weight matrix {@code W} of any storage format: the matmul of every projection.
 *
 * <p>Blocked: the weight rows are cut into blocks sized to stay in the core's L2 cache; a block is
 * widened once into an F32 panel and then multiplied by every activation row in 4 x 4 register
 * tiles (4 rows of A times 4 rows of the panel, 16 vector accumulators along K). Blocks are the
 * parallel tasks, so threads never share an output. With a few rows (decode steps) a block is
 * widened four weight rows at a time into a panel that stays in L1, just before the tiles use it.
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
  /**
   * Up to this many rows of A (decode steps), weights are widened four rows at a time into an L1
   * panel instead of a block at a time into an L2 one (a JVM system property, for experiments).
   */
  static final int SMALL_PANEL_MAX_ROWS = Integer.getInteger("varco.llm.kernel.small-panel-max-rows", 8);
  /** Where each row of a 4 x 4 tile's packed sums sits (lanes 4 * row ..). */
  private static final VectorMask<Float> ROW_0 = lanes(0, TILE);
  private static final VectorMask<Float> ROW_1 = lanes(TILE, TILE);
  private static final VectorMask<Float> ROW_2 = lanes(2 * TILE, TILE);
  private static final VectorMask<Float> ROW_3 = lanes(3 * TILE, TILE);

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
    if (rows <= SMALL_PANEL_MAX_ROWS) {
      // A few rows (decode steps): the product is bound by reading the weights, and an L2 panel
      // would put a whole block's reads before any FMA. Four rows at a time keep the reads in
      // short bursts between the tiles' arithmetic.
      loop.run(blocks, (block, worker) -> {
        int first = block * blockRows;
        multiplyInSmallPanels(a, rows, w, first, Math.min(blockRows, n - first), c, ldc, cOffset,
            scratch.panel(worker, TILE * k), scratch.lanes(worker));
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

  /** Rows m..m+3 of A times panel rows p..p+3 (F32, k floats each), into columns {@code cCol + p ..}. */
  private static void tile4x4(float[] a, int m, int k, float[] panel, int p, float[] c, int ldc, int cCol, float[] lanes) {
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
      FloatVector y = FloatVector.fromArray(S, panel, w0 + i);
      c00 = x0.fma(y, c00);
      c10 = x1.fma(y, c10);
      c20 = x2.fma(y, c20);
      c30 = x3.fma(y, c30);
      y = FloatVector.fromArray(S, panel, w1 + i);
      c01 = x0.fma(y, c01);
      c11 = x1.fma(y, c11);
      c21 = x2.fma(y, c21);
      c31 = x3.fma(y, c31);
      y = FloatVector.fromArray(S, panel, w2 + i);
      c02 = x0.fma(y, c02);
      c12 = x1.fma(y, c12);
      c22 = x2.fma(y, c22);
      c32 = x3.fma(y, c32);
      y = FloatVector.fromArray(S, panel, w3 + i);
      c03 = x0.fma(y, c03);
      c13 = x1.fma(y, c13);
      c23 = x2.fma(y, c23);
      c33 = x3.fma(y, c33);
    }
    int r0 = m * ldc + cCol + p, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
    if (LaneSums.PACKED) {
      // Lane 4 * row + col holds that output: each row's four go out with one masked store.
      // The packed reduction of LaneSums written out: C2 does not inline that many calls into a method this size,
      // and a call it does not inline boxes its vectors.
      VectorShuffle<Float> swap = LaneSums.SWAP_8;
      VectorMask<Float> bit = LaneSums.BIT_8;
      FloatVector d00 = c00.blend(c20, bit).add(c00.rearrange(swap).blend(c20.rearrange(swap), bit));
      FloatVector d01 = c01.blend(c21, bit).add(c01.rearrange(swap).blend(c21.rearrange(swap), bit));
      FloatVector d02 = c02.blend(c22, bit).add(c02.rearrange(swap).blend(c22.rearrange(swap), bit));
      FloatVector d03 = c03.blend(c23, bit).add(c03.rearrange(swap).blend(c23.rearrange(swap), bit));
      FloatVector d10 = c10.blend(c30, bit).add(c10.rearrange(swap).blend(c30.rearrange(swap), bit));
      FloatVector d11 = c11.blend(c31, bit).add(c11.rearrange(swap).blend(c31.rearrange(swap), bit));
      FloatVector d12 = c12.blend(c32, bit).add(c12.rearrange(swap).blend(c32.rearrange(swap), bit));
      FloatVector d13 = c13.blend(c33, bit).add(c13.rearrange(swap).blend(c33.rearrange(swap), bit));
      swap = LaneSums.SWAP_4;
      bit = LaneSums.BIT_4;
      FloatVector e0 = d00.blend(d10, bit).add(d00.rearrange(swap).blend(d10.rearrange(swap), bit));
      FloatVector e1 = d01.blend(d11, bit).add(d01.rearrange(swap).blend(d11.rearrange(swap), bit));
      FloatVector e2 = d02.blend(d12, bit).add(d02.rearrange(swap).blend(d12.rearrange(swap), bit));
      FloatVector e3 = d03.blend(d13, bit).add(d03.rearrange(swap).blend(d13.rearrange(swap), bit));
      swap = LaneSums.SWAP_2;
      bit = LaneSums.BIT_2;
      FloatVector f0 = e0.blend(e2, bit).add(e0.rearrange(swap).blend(e2.rearrange(swap), bit));
      FloatVector f1 = e1.blend(e3, bit).add(e1.rearrange(swap).blend(e3.rearrange(swap), bit));
      swap = LaneSums.SWAP_1;
      bit = LaneSums.BIT_1;
      FloatVector sums = f0.blend(f1, bit).add(f0.rearrange(swap).blend(f1.rearrange(swap), bit));
      sums.intoArray(c, r0, ROW_0);
      sums.intoArray(c, r1 - TILE, ROW_1);
      sums.intoArray(c, r2 - 2 * TILE, ROW_2);
      sums.intoArray(c, r3 - 3 * TILE, ROW_3);
    } else {
      // Lanes go to memory and are summed there in the same order: 16 inlined vector reductions
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
        c[r0 + j] = LaneSums.sumStored(lanes, j * LANES);
        c[r1 + j] = LaneSums.sumStored(lanes, (4 + j) * LANES);
        c[r2 + j] = LaneSums.sumStored(lanes, (8 + j) * LANES);
        c[r3 + j] = LaneSums.sumStored(lanes, (12 + j) * LANES);
      }
    }
    if (bound < k) {
      for (int i = 0; i < TILE; i++) {
        for (int j = 0; j < TILE; j++) {
          int out = r0 + i * ldc + j;
          c[out] = tail(c[out], a, (m + i) * k, panel, (p + j) * k, bound, k);
        }
      }
    }
  }

  /** Row m of A times panel rows p..p+3, as in tile4x4. */
  private static void tile1x4(float[] a, int m, int k, float[] panel, int p, float[] c, int ldc, int cCol) {
    int a0 = m * k;
    int w0 = p * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
    FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
    int bound = k - k % LANES;
    for (int i = 0; i < bound; i += LANES) {
      FloatVector x = FloatVector.fromArray(S, a, a0 + i);
      c0 = x.fma(FloatVector.fromArray(S, panel, w0 + i), c0);
      c1 = x.fma(FloatVector.fromArray(S, panel, w1 + i), c1);
      c2 = x.fma(FloatVector.fromArray(S, panel, w2 + i), c2);
      c3 = x.fma(FloatVector.fromArray(S, panel, w3 + i), c3);
    }
    int r = m * ldc + cCol + p;
    if (LaneSums.PACKED) {
      // The same packed reduction for four sums, written out as in tile4x4: a call taking vectors that C2 does not inline
      // boxes them (JFR showed this tile allocating on every step).
      VectorShuffle<Float> swap = LaneSums.SWAP_8;
      VectorMask<Float> bit = LaneSums.BIT_8;
      FloatVector d0 = c0.blend(c2, bit).add(c0.rearrange(swap).blend(c2.rearrange(swap), bit));
      FloatVector d1 = c1.blend(c3, bit).add(c1.rearrange(swap).blend(c3.rearrange(swap), bit));
      swap = LaneSums.SWAP_4;
      bit = LaneSums.BIT_4;
      FloatVector e = d0.blend(d1, bit).add(d0.rearrange(swap).blend(d1.rearrange(swap), bit));
      e = e.add(e.rearrange(LaneSums.SWAP_2));
      e = e.add(e.rearrange(LaneSums.SWAP_1));
      c[r] = e.lane(0);
      c[r + 1] = e.lane(4);
      c[r + 2] = e.lane(8);
      c[r + 3] = e.lane(12);
    } else {
      c[r] = LaneSums.sum(c0);
      c[r + 1] = LaneSums.sum(c1);
      c[r + 2] = LaneSums.sum(c2);
      c[r + 3] = LaneSums.sum(c3);
    }
    if (bound < k) {
      for (int j = 0; j < TILE; j++) {
        c[r + j] = tail(c[r + j], a, a0, panel, (p + j) * k, bound, k);
      }
    }
  }

  /** Row m of A times BF16 weight rows p..p+3 read from the storage: tile1x4 without a panel. */
  private static void tile1x4Bf16(float[] a, int m, int k, Bf16Matrix w, int p, float[] c, int ldc, int cCol) {
    int a0 = m * k;
    MemorySegment data = w.data();
    long w0 = (long) p * k * 2, w1 = w0 + 2L * k, w2 = w1 + 2L * k, w3 = w2 + 2L * k;
    FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
    for (int i = 0; i < k; i += LANES) {
      FloatVector x = FloatVector.fromArray(S, a, a0 + i);
      long at = 2L * i;
      c0 = x.fma(Bf16Matrix.widenAt(data, w0 + at), c0);
      c1 = x.fma(Bf16Matrix.widenAt(data, w1 + at), c1);
      c2 = x.fma(Bf16Matrix.widenAt(data, w2 + at), c2);
      c3 = x.fma(Bf16Matrix.widenAt(data, w3 + at), c3);
    }
    int r = m * ldc + cCol + p;
    if (LaneSums.PACKED) {
      // As in tile1x4.
      VectorShuffle<Float> swap = LaneSums.SWAP_8;
      VectorMask<Float> bit = LaneSums.BIT_8;
      FloatVector d0 = c0.blend(c2, bit).add(c0.rearrange(swap).blend(c2.rearrange(swap), bit));
      FloatVector d1 = c1.blend(c3, bit).add(c1.rearrange(swap).blend(c3.rearrange(swap), bit));
      swap = LaneSums.SWAP_4;
      bit = LaneSums.BIT_4;
      FloatVector e = d0.blend(d1, bit).add(d0.rearrange(swap).blend(d1.rearrange(swap), bit));
      e = e.add(e.rearrange(LaneSums.SWAP_2));
      e = e.add(e.rearrange(LaneSums.SWAP_1));
      c[r] = e.lane(0);
      c[r + 1] = e.lane(4);
      c[r + 2] = e.lane(8);
      c[r + 3] = e.lane(12);
    } else {
      c[r] = LaneSums.sum(c0);
      c[r + 1] = LaneSums.sum(c1);
      c[r + 2] = LaneSums.sum(c2);
      c[r + 3] = LaneSums.sum(c3);
    }
  }

  /**
   * Rows of A times weight rows {@code [first, first + count)}, four weight rows at a time: each
   * four widened into a panel small enough for L1 and multiplied by every row of A at once, so
   * the weights stream from memory in short bursts between the tiles' arithmetic (a whole L2
   * panel would put all the loads before any FMA). Same tiles and order as the panel path.
   */
  private static void multiplyInSmallPanels(
      float[] a, int rows, WeightMatrix w, int first, int count, float[] c, int ldc, int cOffset, float[] panel,
      float[] lanes) {
    int k = w.cols();
    int fullRows = rows - rows % TILE;
    if (fullRows == 0 && w instanceof Bf16Matrix bf16 && k % LANES == 0) {
      // 1-3 rows of BF16 (the common decode step): widened in registers inside the tile, so the
      // reads from memory overlap the FMAs; the same values and order as the panel.
      int full = count - count % TILE;
      for (int p = first; p < first + full; p += TILE) {
        for (int m = 0; m < rows; m++) {
          tile1x4Bf16(a, m, k, bf16, p, c, ldc, cOffset);
        }
      }
      first += full;
      count -= full;
    }
    for (int p = first; p < first + count; p += TILE) {
      int group = Math.min(TILE, first + count - p);
      w.unpackRows(p, group, panel);
      if (group < TILE) {
        multiplyPanel(a, rows, k, panel, group, c, ldc, cOffset + p, lanes);
        continue;
      }
      for (int m = 0; m < fullRows; m += TILE) {
        tile4x4(a, m, k, panel, 0, c, ldc, cOffset + p, lanes);
      }
      for (int m = fullRows; m < rows; m++) {
        tile1x4(a, m, k, panel, 0, c, ldc, cOffset + p);
      }
    }
  }

  /** One dot product, computed exactly as the tiles compute each of theirs. */
  public static float dot(float[] a, int aOffset, float[] b, int bOffset, int k) {
    FloatVector acc = FloatVector.zero(S);
    int bound = k - k % LANES;
    for (int i = 0; i < bound; i += LANES) {
      acc = FloatVector.fromArray(S, a, aOffset + i).fma(FloatVector.fromArray(S, b, bOffset + i), acc);
    }
    return tail(LaneSums.sum(acc), a, aOffset, b, bOffset, bound, k);
  }

  /** The columns past the last whole vector, in order. */
  private static float tail(float sum, float[] a, int aOffset, float[] w, int wOffset, int from, int k) {
    for (int i = from; i < k; i++) {
      sum = Math.fma(a[aOffset + i], w[wOffset + i], sum);
    }
    return sum;
  }

  private static VectorMask<Float> lanes(int from, int count) {
    return VectorMask.fromLong(S, ((1L << count) - 1) << from);
  }
}
