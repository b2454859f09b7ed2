package dev.varco.llm.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a vector accumulator's lanes, always in one fixed order: lane i + lane i + L/2, then
 * halving down to one lane (for 16 lanes: pairs 8 apart, then 4, 2, 1). {@code reduceLanes} is
 * not used because its compiled code sums in another order than its interpreted code, so a result
 * would depend on whether the JIT had compiled the caller yet.
 *
 * <p>A tile of a matmul ends with 16 (or 4) accumulators to reduce. Reducing them one by one costs
 * more than the FMAs of a short dot product (K = 896 is 56 vector FMAs per output), so the tiles
 * in {@link MatMul} reduce them together with the shuffles and lane masks below: each step adds
 * the halves of two vectors' lane groups (lanes i and i ^ d) and packs both results into one
 * vector (lanes whose bit d is set come from the second), until one vector holds all the sums.
 * Every addition is the same pair of operands as in {@link #sum}, so the bits are the same as
 * reducing each alone. A call taking vectors that C2 does not inline boxes them, so the tiles
 * either write those steps out (the 4 x 4 panel tile, where prefill measured 5-10% faster that
 * way) or store their accumulators and call {@link #sumFourStored} / {@link #sumSixteenStored},
 * which load them back.
 *
 * <p>The fold methods are a few bytecodes each so that C2 inlines them even at cold call sites.
 */
public final class LaneSums {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int LANES = S.length();
  /** Whether the packed reductions apply (16-lane vectors); otherwise each sum is reduced alone. */
  static final boolean PACKED = LANES == 16;

  static final VectorShuffle<Float> SWAP_8 = swap(8);
  static final VectorShuffle<Float> SWAP_4 = swap(4);
  static final VectorShuffle<Float> SWAP_2 = swap(2);
  static final VectorShuffle<Float> SWAP_1 = swap(1);
  static final VectorMask<Float> BIT_8 = lanesWithBit(8);
  static final VectorMask<Float> BIT_4 = lanesWithBit(4);
  static final VectorMask<Float> BIT_2 = lanesWithBit(2);
  static final VectorMask<Float> BIT_1 = lanesWithBit(1);
  /** Where each row of a 4 x 4 tile's packed sums sits (lanes 4 * row ..). */
  static final VectorMask<Float> ROW_0 = rowOfFour(0);
  static final VectorMask<Float> ROW_1 = rowOfFour(1);
  static final VectorMask<Float> ROW_2 = rowOfFour(2);
  static final VectorMask<Float> ROW_3 = rowOfFour(3);

  private LaneSums() {}

  /** The sum of all lanes of {@code v}. */
  public static float sum(FloatVector v) {
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
   * {@link #sum} of a vector stored at {@code lanes[from ..]} (which it overwrites): the same pairs
   * in the same order, in scalar code, so the same bits (for vector shapes without a packed form).
   */
  static float sumStored(float[] lanes, int from) {
    for (int width = LANES / 2; width >= 1; width /= 2) {
      for (int i = from; i < from + width; i++) {
        lanes[i] = lanes[i] + lanes[i + width];
      }
    }
    return lanes[from];
  }

  /**
   * The sums of the four vectors stored at {@code lanes[0 .. 4 L)} into {@code c[out .. out + 4)}:
   * the packed reduction for 16 lanes (each sum the same pairs in the same order as {@link #sum}),
   * else {@link #sumStored} one by one. The 1 x 4 tiles store their accumulators and call this
   * rather than pass vectors, which C2 would box where it does not inline the call.
   */
  static void sumFourStored(float[] lanes, float[] c, int out) {
    if (!PACKED) {
      for (int j = 0; j < 4; j++) {
        c[out + j] = sumStored(lanes, j * LANES);
      }
      return;
    }
    FloatVector c0 = FloatVector.fromArray(S, lanes, 0);
    FloatVector c1 = FloatVector.fromArray(S, lanes, LANES);
    FloatVector c2 = FloatVector.fromArray(S, lanes, 2 * LANES);
    FloatVector c3 = FloatVector.fromArray(S, lanes, 3 * LANES);
    FloatVector d0 = c0.blend(c2, BIT_8).add(c0.rearrange(SWAP_8).blend(c2.rearrange(SWAP_8), BIT_8));
    FloatVector d1 = c1.blend(c3, BIT_8).add(c1.rearrange(SWAP_8).blend(c3.rearrange(SWAP_8), BIT_8));
    FloatVector e = d0.blend(d1, BIT_4).add(d0.rearrange(SWAP_4).blend(d1.rearrange(SWAP_4), BIT_4));
    e = e.add(e.rearrange(SWAP_2));
    e = e.add(e.rearrange(SWAP_1));
    // Sum j ends in lane 4 j: bits 8 and 4 of a lane say which of the four vectors it folded.
    c[out] = e.lane(0);
    c[out + 1] = e.lane(4);
    c[out + 2] = e.lane(8);
    c[out + 3] = e.lane(12);
  }

  /**
   * The sums of the 16 vectors stored at {@code lanes[0 .. 16 L)}, vector {@code 4 i + j} being
   * output (i, j) of a 4 x 4 tile, into {@code c[out + i * ldc + j]}: packed for 16 lanes (pairs
   * 8 apart of vectors i and i + 2, then 4 apart, ..., until lane 4 i + j holds sum (i, j), each
   * sum the same pairs in the same order as {@link #sum}), else one by one.
   */
  static void sumSixteenStored(float[] lanes, float[] c, int out, int ldc) {
    if (!PACKED) {
      for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
          c[out + i * ldc + j] = sumStored(lanes, (4 * i + j) * LANES);
        }
      }
      return;
    }
    FloatVector c00 = FloatVector.fromArray(S, lanes, 0), c01 = FloatVector.fromArray(S, lanes, LANES);
    FloatVector c02 = FloatVector.fromArray(S, lanes, 2 * LANES), c03 = FloatVector.fromArray(S, lanes, 3 * LANES);
    FloatVector c10 = FloatVector.fromArray(S, lanes, 4 * LANES), c11 = FloatVector.fromArray(S, lanes, 5 * LANES);
    FloatVector c12 = FloatVector.fromArray(S, lanes, 6 * LANES), c13 = FloatVector.fromArray(S, lanes, 7 * LANES);
    FloatVector c20 = FloatVector.fromArray(S, lanes, 8 * LANES), c21 = FloatVector.fromArray(S, lanes, 9 * LANES);
    FloatVector c22 = FloatVector.fromArray(S, lanes, 10 * LANES), c23 = FloatVector.fromArray(S, lanes, 11 * LANES);
    FloatVector c30 = FloatVector.fromArray(S, lanes, 12 * LANES), c31 = FloatVector.fromArray(S, lanes, 13 * LANES);
    FloatVector c32 = FloatVector.fromArray(S, lanes, 14 * LANES), c33 = FloatVector.fromArray(S, lanes, 15 * LANES);
    // Rows i and i + 2 share a vector after the first fold, rows i and i + 1 after the second,
    // columns j and j + 2 after the third, j and j + 1 after the last.
    FloatVector d00 = c00.blend(c20, BIT_8).add(c00.rearrange(SWAP_8).blend(c20.rearrange(SWAP_8), BIT_8));
    FloatVector d01 = c01.blend(c21, BIT_8).add(c01.rearrange(SWAP_8).blend(c21.rearrange(SWAP_8), BIT_8));
    FloatVector d02 = c02.blend(c22, BIT_8).add(c02.rearrange(SWAP_8).blend(c22.rearrange(SWAP_8), BIT_8));
    FloatVector d03 = c03.blend(c23, BIT_8).add(c03.rearrange(SWAP_8).blend(c23.rearrange(SWAP_8), BIT_8));
    FloatVector d10 = c10.blend(c30, BIT_8).add(c10.rearrange(SWAP_8).blend(c30.rearrange(SWAP_8), BIT_8));
    FloatVector d11 = c11.blend(c31, BIT_8).add(c11.rearrange(SWAP_8).blend(c31.rearrange(SWAP_8), BIT_8));
    FloatVector d12 = c12.blend(c32, BIT_8).add(c12.rearrange(SWAP_8).blend(c32.rearrange(SWAP_8), BIT_8));
    FloatVector d13 = c13.blend(c33, BIT_8).add(c13.rearrange(SWAP_8).blend(c33.rearrange(SWAP_8), BIT_8));
    FloatVector e0 = d00.blend(d10, BIT_4).add(d00.rearrange(SWAP_4).blend(d10.rearrange(SWAP_4), BIT_4));
    FloatVector e1 = d01.blend(d11, BIT_4).add(d01.rearrange(SWAP_4).blend(d11.rearrange(SWAP_4), BIT_4));
    FloatVector e2 = d02.blend(d12, BIT_4).add(d02.rearrange(SWAP_4).blend(d12.rearrange(SWAP_4), BIT_4));
    FloatVector e3 = d03.blend(d13, BIT_4).add(d03.rearrange(SWAP_4).blend(d13.rearrange(SWAP_4), BIT_4));
    FloatVector f0 = e0.blend(e2, BIT_2).add(e0.rearrange(SWAP_2).blend(e2.rearrange(SWAP_2), BIT_2));
    FloatVector f1 = e1.blend(e3, BIT_2).add(e1.rearrange(SWAP_2).blend(e3.rearrange(SWAP_2), BIT_2));
    FloatVector sums = f0.blend(f1, BIT_1).add(f0.rearrange(SWAP_1).blend(f1.rearrange(SWAP_1), BIT_1));
    // Lane 4 i + j holds sum (i, j): each row's four go out with one masked store.
    sums.intoArray(c, out, ROW_0);
    sums.intoArray(c, out + ldc - 4, ROW_1);
    sums.intoArray(c, out + 2 * ldc - 8, ROW_2);
    sums.intoArray(c, out + 3 * ldc - 12, ROW_3);
  }

  private static VectorShuffle<Float> swap(int distance) {
    return LANES > distance ? VectorShuffle.fromOp(S, i -> i ^ distance) : null;
  }

  private static VectorMask<Float> rowOfFour(int row) {
    return PACKED ? VectorMask.fromLong(S, 0xFL << (4 * row)) : null;
  }

  private static VectorMask<Float> lanesWithBit(int bit) {
    boolean[] set = new boolean[LANES];
    for (int i = 0; i < LANES; i++) {
      set[i] = (i & bit) != 0;
    }
    return VectorMask.fromArray(S, set, 0);
  }
}
