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
 * parallel tasks, so threads never share an output. With a few rows (decode steps) the weights
 * are widened in registers inside the tiles where the format allows it (BF16 always, Q8 and Q4
 * for one row), else four weight rows at a time into a panel that stays in L1.
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
        tile1x4(a, m, k, panel, p, c, ldc, cCol, lanes);
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
      sums.intoArray(c, r0, LaneSums.ROW_0);
      sums.intoArray(c, r1 - TILE, LaneSums.ROW_1);
      sums.intoArray(c, r2 - 2 * TILE, LaneSums.ROW_2);
      sums.intoArray(c, r3 - 3 * TILE, LaneSums.ROW_3);
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

  /**
   * Rows m..m+3 of A times BF16 weight rows p..p+3 widened in registers from the storage: the
   * values and order of tile4x4 on a widened panel. Needs {@code k % LANES == 0}. Unlike the
   * 1 x 4 tiles it reads the four weight rows together: each widened vector feeds four FMAs, and
   * one weight row at a time measured slower here (load-bound on the rows of A).
   */
  private static void tile4x4Bf16(float[] a, int m, int k, Bf16Matrix w, int p, float[] c, int ldc, int cCol, float[] lanes) {
    int a0 = m * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    MemorySegment data = w.data();
    long w0 = (long) p * k * 2, w1 = w0 + 2L * k, w2 = w1 + 2L * k, w3 = w2 + 2L * k;
    FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
    FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
    FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    for (int i = 0; i < k; i += LANES) {
      FloatVector x0 = FloatVector.fromArray(S, a, a0 + i);
      FloatVector x1 = FloatVector.fromArray(S, a, a1 + i);
      FloatVector x2 = FloatVector.fromArray(S, a, a2 + i);
      FloatVector x3 = FloatVector.fromArray(S, a, a3 + i);
      long at = 2L * i;
      FloatVector y = Bf16Matrix.widenAt(data, w0 + at);
      c00 = x0.fma(y, c00);
      c10 = x1.fma(y, c10);
      c20 = x2.fma(y, c20);
      c30 = x3.fma(y, c30);
      y = Bf16Matrix.widenAt(data, w1 + at);
      c01 = x0.fma(y, c01);
      c11 = x1.fma(y, c11);
      c21 = x2.fma(y, c21);
      c31 = x3.fma(y, c31);
      y = Bf16Matrix.widenAt(data, w2 + at);
      c02 = x0.fma(y, c02);
      c12 = x1.fma(y, c12);
      c22 = x2.fma(y, c22);
      c32 = x3.fma(y, c32);
      y = Bf16Matrix.widenAt(data, w3 + at);
      c03 = x0.fma(y, c03);
      c13 = x1.fma(y, c13);
      c23 = x2.fma(y, c23);
      c33 = x3.fma(y, c33);
    }
    // Through memory into the shared reduction: a call taking the vectors would box them.
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
    LaneSums.sumSixteenStored(lanes, c, m * ldc + cCol + p, ldc);
  }

  /** Row m of A times panel rows p..p+3, as in tile4x4. */
  private static void tile1x4(float[] a, int m, int k, float[] panel, int p, float[] c, int ldc, int cCol, float[] lanes) {
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
    // Through memory into the shared reduction: a call taking the vectors would box them.
    c0.intoArray(lanes, 0);
    c1.intoArray(lanes, LANES);
    c2.intoArray(lanes, 2 * LANES);
    c3.intoArray(lanes, 3 * LANES);
    LaneSums.sumFourStored(lanes, c, r);
    if (bound < k) {
      for (int j = 0; j < TILE; j++) {
        c[r + j] = tail(c[r + j], a, a0, panel, (p + j) * k, bound, k);
      }
    }
  }

  // The 1 x 4 tiles below read from the storage one weight row at a time, one accumulator each:
  // a single sequential stream per core is what the hardware prefetcher follows, and one row of
  // A runs at 23-27 GB/s of BF16 per core that way against 10-11 GB/s with four weight rows
  // interleaved (KernelBenchmark, one thread, 896 x 65536). Each tile stores its four
  // accumulators and reduces them through memory: a call taking the vectors would box them.

  /**
   * Row m of A times BF16 weight rows p..p+3, widened in registers: the values and order of
   * tile1x4 on a widened panel, without writing and re-reading the panel. Needs
   * {@code k % LANES == 0}.
   */
  private static void tile1x4Bf16(float[] a, int m, int k, Bf16Matrix w, int p, float[] c, int ldc, int cCol, float[] lanes) {
    int a0 = m * k;
    MemorySegment data = w.data();
    for (int j = 0; j < TILE; j++) {
      long row = (long) (p + j) * k * 2;
      FloatVector sum = FloatVector.zero(S);
      for (int i = 0; i < k; i += LANES) {
        sum = FloatVector.fromArray(S, a, a0 + i).fma(Bf16Matrix.widenAt(data, row + 2L * i), sum);
      }
      sum.intoArray(lanes, j * LANES);
    }
    LaneSums.sumFourStored(lanes, c, m * ldc + cCol + p);
  }

  /**
   * Row m of A times Q8 weight rows p..p+3, dequantized in registers as tile1x4Bf16. A block of
   * 32 weights is two vectors of 16 lanes, which this tile needs ({@link #registerTiles}).
   */
  private static void tile1x4Q8(float[] a, int m, int k, Q8Matrix w, int p, float[] c, int ldc, int cCol, float[] lanes) {
    int a0 = m * k;
    MemorySegment values = w.values();
    MemorySegment scales = w.scales();
    for (int j = 0; j < TILE; j++) {
      long row = (long) (p + j) * k;
      FloatVector sum = FloatVector.zero(S);
      for (int i = 0; i < k; i += 2 * LANES) {
        float scale = Q8Matrix.scaleOf(scales, row + i);
        sum = FloatVector.fromArray(S, a, a0 + i).fma(Q8Matrix.widenAt(values, row + i, scale), sum);
        sum = FloatVector.fromArray(S, a, a0 + i + LANES).fma(Q8Matrix.widenAt(values, row + i + LANES, scale), sum);
      }
      sum.intoArray(lanes, j * LANES);
    }
    LaneSums.sumFourStored(lanes, c, m * ldc + cCol + p);
  }

  /**
   * Row m of A times Q4 weight rows p..p+3, dequantized in registers as tile1x4Q8: a block's
   * low nibbles are its first 16 weights, its high nibbles the next 16.
   */
  private static void tile1x4Q4(float[] a, int m, int k, Q4Matrix w, int p, float[] c, int ldc, int cCol, float[] lanes) {
    int a0 = m * k;
    MemorySegment packed = w.packed();
    MemorySegment scales = w.scales();
    for (int j = 0; j < TILE; j++) {
      long row = (long) (p + j) * k;
      FloatVector sum = FloatVector.zero(S);
      for (int i = 0; i < k; i += 2 * LANES) {
        float scale = Q4Matrix.scaleOf(scales, row + i);
        sum = FloatVector.fromArray(S, a, a0 + i).fma(Q4Matrix.widenLowAt(packed, row + i, scale), sum);
        sum = FloatVector.fromArray(S, a, a0 + i + LANES).fma(Q4Matrix.widenHighAt(packed, row + i, scale), sum);
      }
      sum.intoArray(lanes, j * LANES);
    }
    LaneSums.sumFourStored(lanes, c, m * ldc + cCol + p);
  }

  /**
   * Rows of A times weight rows {@code [first, first + count)}, four weight rows at a time: read
   * by the register tiles where {@link #registerTiles} allows, else widened into a panel small
   * enough for L1 and multiplied by every row of A at once (a whole L2 panel would put all the
   * loads before any FMA). Same values and order as the panel path.
   */
  private static void multiplyInSmallPanels(
      float[] a, int rows, WeightMatrix w, int first, int count, float[] c, int ldc, int cOffset, float[] panel,
      float[] lanes) {
    int k = w.cols();
    int fullRows = rows - rows % TILE;
    if (registerTiles(w, rows)) {
      // The weights are widened in registers inside the tiles, so the reads from memory overlap
      // the FMAs; the same values and order as the panel. One tile per storage type, each with
      // concrete types: a shared tile dispatching on the type inside its loop is what C2
      // compiles badly.
      int full = count - count % TILE;
      for (int p = first; p < first + full; p += TILE) {
        for (int m = 0; m < fullRows; m += TILE) {
          // Only BF16 takes more than one row here (registerTiles), so only it has a 4 x 4 tile.
          tile4x4Bf16(a, m, k, (Bf16Matrix) w, p, c, ldc, cOffset, lanes);
        }
        for (int m = fullRows; m < rows; m++) {
          switch (w) {
            case Bf16Matrix bf16 -> tile1x4Bf16(a, m, k, bf16, p, c, ldc, cOffset, lanes);
            case Q8Matrix q8 -> tile1x4Q8(a, m, k, q8, p, c, ldc, cOffset, lanes);
            case Q4Matrix q4 -> tile1x4Q4(a, m, k, q4, p, c, ldc, cOffset, lanes);
            case F32Matrix f32 -> throw new AssertionError("F32 is not widened in registers");
          }
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
        tile1x4(a, m, k, panel, 0, c, ldc, cOffset + p, lanes);
      }
    }
  }

  /**
   * Whether the tiles widen {@code w} in registers for {@code rows} rows of A. BF16 (whole
   * vectors along K) for up to {@link #SMALL_PANEL_MAX_ROWS} rows: 1-3 rows of A in the 1 x 4
   * tiles, four at a time in tile4x4Bf16. Q8 and Q4 (a block of 32 is two 16-lane vectors) for
   * one row only: for a second row the panel, dequantized once, costs less than dequantizing
   * again.
   */
  private static boolean registerTiles(WeightMatrix w, int rows) {
    return switch (w) {
      case Bf16Matrix bf16 -> w.cols() % LANES == 0;
      case Q8Matrix q8 -> rows == 1 && LANES == Q8Matrix.BLOCK / 2;
      case Q4Matrix q4 -> rows == 1 && LANES == Q4Matrix.BLOCK / 2;
      case F32Matrix f32 -> false;
    };
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
}
