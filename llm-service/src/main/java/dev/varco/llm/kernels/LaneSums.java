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
 * more than the FMAs of a short dot product (K = 896 is 56 vector FMAs per output), so they are
 * reduced together: each step adds the halves of two vectors' lane groups and packs both results
 * into one vector ({@link #pair}), until one vector holds all 16 sums. Every addition is the same
 * pair of operands as in {@link #sum}, so the bits are the same as reducing each alone.
 *
 * <p>Methods are a few bytecodes each so that C2 inlines them even at cold call sites: a call it
 * does not inline boxes its vector arguments.
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

  private LaneSums() {}

  /** The sum of all lanes of {@code v}. */
  public static float sum(FloatVector v) {
    return fold1(fold2(fold4(fold8(v)))).lane(0);
  }

  /**
   * The 16 sums of a 4 x 4 tile's accumulators {@code c<row><col>}, as one vector whose lane
   * {@code 4 * row + col} is {@code sum(c<row><col>)} (16-lane vectors only).
   */
  static FloatVector sum4x4(
      FloatVector c00, FloatVector c01, FloatVector c02, FloatVector c03,
      FloatVector c10, FloatVector c11, FloatVector c12, FloatVector c13,
      FloatVector c20, FloatVector c21, FloatVector c22, FloatVector c23,
      FloatVector c30, FloatVector c31, FloatVector c32, FloatVector c33) {
    // Lane bit 8 tells row 0/1 from row 2/3, bit 4 row 0 from 1, bit 2 column 0/1 from 2/3, bit 1
    // column 0 from 1: each pairing level folds the distance that matches its bit.
    FloatVector col0 = pair4(pair8(c00, c20), pair8(c10, c30));
    FloatVector col1 = pair4(pair8(c01, c21), pair8(c11, c31));
    FloatVector col2 = pair4(pair8(c02, c22), pair8(c12, c32));
    FloatVector col3 = pair4(pair8(c03, c23), pair8(c13, c33));
    return pair1(pair2(col0, col2), pair2(col1, col3));
  }

  /**
   * The sums of four accumulators as one vector: {@code sum(c<j>)} in lane {@code 4 * j} (16-lane
   * vectors only).
   */
  static FloatVector sum4(FloatVector c0, FloatVector c1, FloatVector c2, FloatVector c3) {
    return fold1(fold2(pair4(pair8(c0, c2), pair8(c1, c3))));
  }

  private static FloatVector pair8(FloatVector p, FloatVector q) {
    return pair(p, q, SWAP_8, BIT_8);
  }

  private static FloatVector pair4(FloatVector p, FloatVector q) {
    return pair(p, q, SWAP_4, BIT_4);
  }

  private static FloatVector pair2(FloatVector p, FloatVector q) {
    return pair(p, q, SWAP_2, BIT_2);
  }

  private static FloatVector pair1(FloatVector p, FloatVector q) {
    return pair(p, q, SWAP_1, BIT_1);
  }

  /**
   * Lane i of the result is {@code p[i] + p[i ^ d]} where bit d of i is clear and
   * {@code q[i ^ d] + q[i]} where it is set: both vectors folded by distance d, packed in one.
   */
  private static FloatVector pair(FloatVector p, FloatVector q, VectorShuffle<Float> swap, VectorMask<Float> bit) {
    FloatVector own = p.blend(q, bit);
    FloatVector partner = p.rearrange(swap).blend(q.rearrange(swap), bit);
    return own.add(partner);
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

  private static VectorShuffle<Float> swap(int distance) {
    return LANES > distance ? VectorShuffle.fromOp(S, i -> i ^ distance) : null;
  }

  private static VectorMask<Float> lanesWithBit(int bit) {
    boolean[] set = new boolean[LANES];
    for (int i = 0; i < LANES; i++) {
      set[i] = (i & bit) != 0;
    }
    return VectorMask.fromArray(S, set, 0);
  }
}
