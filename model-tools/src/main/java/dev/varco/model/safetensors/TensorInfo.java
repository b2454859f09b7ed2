package dev.varco.model.safetensors;

import java.util.Arrays;

/**
 * One entry of a safetensors header.
 *
 * @param begin byte offset of the data, relative to the start of the data section
 * @param end exclusive end offset, relative to the start of the data section
 */
public record TensorInfo(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {

  public long elementCount() {
    long count = 1;
    for (long dim : shape) {
      count *= dim;
    }
    return count;
  }

  public long byteLength() {
    return end - begin;
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }

  public boolean hasShape(long... expected) {
    return Arrays.equals(shape, expected);
  }
}
