package dev.varco.llm.model;

import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One random Qwen2 checkpoint in every weight type the service loads: F32 and BF16 safetensors
 * (the same random values), and Jlama's Q8 and Q4 blocks quantized from the BF16 one by Jlama's own
 * offline quantizer (embeddings kept BF16, as model-tools writes them).
 */
public final class CheckpointVariants {
  public static final String[] TYPES = {"F32", "BF16", "Q8", "Q4"};

  private CheckpointVariants() {}

  /** Writes (or reuses, when complete) {@code root/<type>/} for every type; returns type -> folder. */
  public static Map<String, Path> write(Path root, RandomQwen2Checkpoint.Shape shape, long seed) throws IOException {
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (String type : TYPES) {
      dirs.put(type, root.resolve(type));
    }
    if (Files.exists(root.resolve(".complete"))) {
      return dirs;
    }
    RandomQwen2Checkpoint.writeAll(
        Map.of(RandomQwen2Checkpoint.Format.F32, dirs.get("F32"), RandomQwen2Checkpoint.Format.BF16, dirs.get("BF16")),
        shape, false, seed, ignored -> {});
    // Jlama's quantizer wants a README in the source folder.
    Files.writeString(dirs.get("BF16").resolve("README.md"), "random test checkpoint\n");
    for (String type : new String[] {"Q8", "Q4"}) {
      SafeTensorSupport.quantizeModel(dirs.get("BF16"), type.equals("Q8") ? DType.I8 : DType.Q4,
          new String[] {"model.embed_tokens"}, new String[0], Optional.of(dirs.get(type)));
    }
    Files.writeString(root.resolve(".complete"), "done\n");
    return dirs;
  }
}
