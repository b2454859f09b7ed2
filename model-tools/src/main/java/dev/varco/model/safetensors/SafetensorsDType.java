package dev.varco.model.safetensors;

import java.util.Locale;

/** Element types of the safetensors format, with their names as they appear in the header. */
public enum SafetensorsDType {
  F64(8, "float64"),
  F32(4, "float32"),
  F16(2, "float16"),
  BF16(2, "bfloat16"),
  I64(8, "int64"),
  I32(4, "int32"),
  I16(2, "int16"),
  I8(1, "int8"),
  U8(1, "uint8"),
  BOOL(1, "bool"),
  /**
   * Jlama's packed 4-bit type (not a standard safetensors dtype): two values a byte, the block
   * scales in a separate F32 tensor {@code <name>.qb}. {@link #bytes()} is 0; use {@link #byteLength}.
   */
  Q4(0, "jlama_q4");

  private final int bytes;
  private final String torchName;

  SafetensorsDType(int bytes, String torchName) {
    this.bytes = bytes;
    this.torchName = torchName;
  }

  public int bytes() {
    return bytes;
  }

  /** The name transformers uses in {@code torch_dtype}, e.g. {@code bfloat16}. */
  public String torchName() {
    return torchName;
  }

  /** Bytes that {@code elements} values of this type take (half a byte each for {@link #Q4}). */
  public long byteLength(long elements) {
    return this == Q4 ? (elements + 1) / 2 : elements * bytes;
  }

  public boolean isFloatingPoint() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  public static SafetensorsDType fromHeader(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unsupported safetensors dtype '" + name + "'");
    }
  }

  /** Maps a {@code torch_dtype} string from a Hugging Face config ("bfloat16") to a dtype. */
  public static SafetensorsDType fromTorchName(String torchName) {
    for (SafetensorsDType dtype : values()) {
      if (dtype.torchName.equals(torchName)) {
        return dtype;
      }
    }
    throw new IllegalArgumentException("unsupported torch_dtype '" + torchName + "'");
  }
}
