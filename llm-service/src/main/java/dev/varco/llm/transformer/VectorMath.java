package dev.varco.llm.transformer;

import dev.varco.llm.kernels.LaneSums;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise math of a Qwen2 layer: RMSNorm, SiLU-gated product, residual add, exp. All of it
 * in a fixed order of operations (no {@code reduceLanes}, no library exp whose result could differ
 * between interpreted and compiled code), so a row's result never depends on how it was batched.
 */
final class VectorMath {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = S.length();
  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;

  private VectorMath() {}

  /** {@code out = weight * (x * 1/sqrt(mean(x²) + eps))}, one row of {@code width}, as HF's Qwen2RMSNorm. */
  static void rmsNorm(float[] x, int offset, float[] weight, float eps, float[] out, int outOffset) {
    int width = weight.length;
    FloatVector acc = FloatVector.zero(S);
    int bound = width - width % LANES;
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = FloatVector.fromArray(S, x, offset + i);
      acc = v.fma(v, acc);
    }
    float sum = LaneSums.sum(acc);
    for (int i = bound; i < width; i++) {
      sum = Math.fma(x[offset + i], x[offset + i], sum);
    }
    float inverse = (float) (1.0 / Math.sqrt(sum / width + eps));
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = FloatVector.fromArray(S, x, offset + i).mul(inverse);
      FloatVector.fromArray(S, weight, i).mul(v).intoArray(out, outOffset + i);
    }
    for (int i = bound; i < width; i++) {
      out[outOffset + i] = weight[i] * (x[offset + i] * inverse);
    }
  }

  /** {@code out[i] = silu(gate[i]) * up[i]}, silu(x) = x / (1 + e^-x). */
  static void siluProduct(float[] gate, int gateOffset, float[] up, int upOffset, float[] out, int outOffset, int count) {
    int bound = count - count % LANES;
    for (int i = 0; i < bound; i += LANES) {
      FloatVector g = FloatVector.fromArray(S, gate, gateOffset + i);
      FloatVector silu = g.div(exp(g.neg()).add(1f));
      silu.mul(FloatVector.fromArray(S, up, upOffset + i)).intoArray(out, outOffset + i);
    }
    for (int i = bound; i < count; i++) {
      float g = gate[gateOffset + i];
      out[outOffset + i] = g / (exp(-g) + 1f) * up[upOffset + i];
    }
  }

  /** {@code x[i] += y[i]}. */
  static void add(float[] x, int xOffset, float[] y, int yOffset, int count) {
    int bound = count - count % LANES;
    for (int i = 0; i < bound; i += LANES) {
      FloatVector.fromArray(S, x, xOffset + i).add(FloatVector.fromArray(S, y, yOffset + i)).intoArray(x, xOffset + i);
    }
    for (int i = bound; i < count; i++) {
      x[xOffset + i] += y[yOffset + i];
    }
  }

  /**
   * e^x to within 2 ulp (Cephes' expf: x = n ln2 + r, a degree-6 polynomial for e^r, 2^n from the
   * exponent bits). Arguments below -87.3 give ~1e-38, above 88.7 the largest finite power.
   */
  static FloatVector exp(FloatVector x) {
    x = x.max(-87.3f).min(88.7f);
    FloatVector scaled = x.mul(LOG2E);
    VectorMask<Float> negative = scaled.lt(0f);
    FloatVector rounded = scaled.add(FloatVector.broadcast(S, 0.5f).blend(-0.5f, negative));
    IntVector n = (IntVector) rounded.convert(VectorOperators.F2I, 0);
    FloatVector nf = (FloatVector) n.convert(VectorOperators.I2F, 0);
    FloatVector r = x.sub(nf.mul(LN2_HI)).sub(nf.mul(LN2_LO));
    FloatVector p = r.mul(1.9875691500e-4f).add(1.3981999507e-3f);
    p = p.mul(r).add(8.3334519073e-3f);
    p = p.mul(r).add(4.1665795894e-2f);
    p = p.mul(r).add(1.6666665459e-1f);
    p = p.mul(r).add(5.0000001201e-1f);
    p = p.mul(r.mul(r)).add(r).add(1f);
    FloatVector power = n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    return p.mul(power);
  }

  /** Scalar e^x with exactly the vector version's operations. */
  static float exp(float x) {
    x = Math.min(Math.max(x, -87.3f), 88.7f);
    float scaled = x * LOG2E;
    int n = (int) (scaled + (scaled < 0f ? -0.5f : 0.5f));
    float nf = n;
    float r = (x - nf * LN2_HI) - nf * LN2_LO;
    float p = r * 1.9875691500e-4f + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1f;
    return p * Float.intBitsToFloat((n + 127) << 23);
  }
}
