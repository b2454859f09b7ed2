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
 * reducing each alone. The tiles write those steps out: a call taking vectors that C2 does not
 * inline boxes them.
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
