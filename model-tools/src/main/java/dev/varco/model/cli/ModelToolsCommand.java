package dev.varco.model.cli;

import dev.varco.model.checkpoint.UnsupportedCheckpointException;
import dev.varco.model.convert.CheckpointConverter;
import dev.varco.model.convert.ConversionListener;
import dev.varco.model.convert.ConversionOptions;
import dev.varco.model.manifest.DecoderWeightType;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.tiny.TinyCheckpointGenerator;
import dev.varco.model.tiny.TinyModel;
import dev.varco.model.tiny.TinyModelSpec;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Command line: {@code generate-tiny}, {@code convert}, {@code prepare-tiny}. Exit status 0 on
 * success, 1 when the checkpoint is refused or a file cannot be written, 2 on bad usage.
 */
public final class ModelToolsCommand {
  private static final String USAGE = """
      usage:
        generate-tiny --out DIR [--seed N] [--shards N]
            write a tiny Hugging Face LLaVA-OneVision checkpoint (VARCO-VISION-14B-HF format)
        convert --checkpoint DIR --out DIR [--name NAME] [--encoder-variants int8]
                [--decoder-dtype f32|bf16|q8|q4]
            convert a Hugging Face LLaVA-OneVision checkpoint into a service model directory;
            --encoder-variants int8 also writes vision/encoder-int8.onnx (int8 dynamic quantization);
            --decoder-dtype stores the decoder as float32, bfloat16 (default: as published), or
            Jlama Q8/Q4 blocks (layer matrices only; embeddings, lm_head, norms, biases stay float)
        prepare-tiny --out DIR [--seed N]
            generate the tiny checkpoint into DIR-hf and convert it into DIR (skipped when done)
      """;

  private ModelToolsCommand() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    Map<String, String> options;
    try {
      options = options(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(USAGE);
      return 2;
    }
    try {
      switch (args[0]) {
        case "generate-tiny" -> {
          Path out = Path.of(required(options, "out"));
          new TinyCheckpointGenerator(TinyModelSpec.DEFAULT, seed(options))
              .generate(out, Integer.parseInt(options.getOrDefault("shards", "1")));
          System.out.println("wrote tiny checkpoint to " + out.toAbsolutePath());
        }
        case "convert" -> {
          ModelManifest manifest = CheckpointConverter.convert(Path.of(required(options, "checkpoint")),
              Path.of(required(options, "out")), options.get("name"),
              ConversionOptions.withEncoderVariants(options.getOrDefault("encoder-variants", ""))
                  .withDecoderWeightType(DecoderWeightType.parse(options.getOrDefault("decoder-dtype", "bf16"))),
              printer());
          report(manifest, Path.of(options.get("out")));
        }
        case "prepare-tiny" -> {
          Path out = Path.of(required(options, "out"));
          long seed = seed(options);
          if (TinyModel.isPrepared(out.toAbsolutePath().normalize(), seed)) {
            System.out.println("tiny model already prepared in " + out.toAbsolutePath());
          }
          report(TinyModel.prepare(out, seed, printer()), out);
        }
        default -> {
          System.err.println("unknown command '" + args[0] + "'");
          System.err.print(USAGE);
          return 2;
        }
      }
      return 0;
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(USAGE);
      return 2;
    } catch (UnsupportedCheckpointException e) {
      System.err.println("refused: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      System.err.println("failed: " + e);
      return 1;
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 1; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --option value, found '" + args[i] + "'");
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }

  private static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null) {
      throw new IllegalArgumentException("missing --" + name);
    }
    return value;
  }

  private static long seed(Map<String, String> options) {
    try {
      return Long.parseLong(options.getOrDefault("seed", Long.toString(TinyModel.DEFAULT_SEED)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--seed must be an integer");
    }
  }

  /** Prints one line per progress event: percent, stage, item. */
  private static ConversionListener printer() {
    return (stage, item, percent) -> System.out.printf("[%5.1f%%] %s: %s%n", percent, stage, item);
  }

  private static void report(ModelManifest manifest, Path out) {
    System.out.printf("model directory %s: %s, vision %d tokens/tile x %d, llm %s %d layers %s, %d files%n",
        out.toAbsolutePath(), manifest.name(), manifest.vision().tokensPerTile(), manifest.vision().hiddenSize(),
        manifest.llm().architecture(), manifest.llm().numHiddenLayers(), manifest.llm().weightType(),
        manifest.files().size());
  }
}
