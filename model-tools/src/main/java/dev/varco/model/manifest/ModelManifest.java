package dev.varco.model.manifest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The contents of {@code manifest.json} at the root of a service model directory: everything
 * both services need to know about the model, taken from the Hugging Face checkpoint by the
 * converter. Services read geometry and special tokens from here, never from constants.
 *
 * <p>The JSON form is documented in model-tools/README.md; field names are snake_case there.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelManifest(
    @JsonProperty("format") String format,
    @JsonProperty("format_version") int formatVersion,
    /* Served model name, shown by /v1/models. */
    @JsonProperty("name") String name,
    @JsonProperty("source") Source source,
    @JsonProperty("vision") Vision vision,
    @JsonProperty("llm") Llm llm,
    /* Relative path -> size and SHA-256 of every file the converter wrote. */
    @JsonProperty("files") Map<String, FileEntry> files) {

  public static final String FORMAT = "varco-model-dir";
  public static final int FORMAT_VERSION = 1;

  /** Where the model came from. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Source(
      @JsonProperty("checkpoint") String checkpoint,
      @JsonProperty("model_type") String modelType,
      @JsonProperty("architectures") List<String> architectures) {}

  /** The vision tower + projector and the image layout rules. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Vision(
      /* ONNX graph: input pixel_values float32 [N,3,S,S], output image_features float32 [N,T,H]. */
      @JsonProperty("encoder") String encoder,
      @JsonProperty("encoder_input") String encoderInput,
      @JsonProperty("encoder_output") String encoderOutput,
      @JsonProperty("image_size") int imageSize,
      @JsonProperty("patch_size") int patchSize,
      /* (image_size / patch_size)^2: rows one tile contributes before packing. */
      @JsonProperty("tokens_per_tile") int tokensPerTile,
      /* Width of the encoder output rows = the decoder's hidden size. */
      @JsonProperty("hidden_size") int hiddenSize,
      @JsonProperty("vision_feature_layer") int visionFeatureLayer,
      @JsonProperty("vision_feature_select_strategy") String visionFeatureSelectStrategy,
      /* e.g. "anyres_max_9". */
      @JsonProperty("vision_aspect_ratio") String visionAspectRatio,
      /* [height, width] pairs in pixels. */
      @JsonProperty("image_grid_pinpoints") List<List<Integer>> imageGridPinpoints,
      /* Raw little-endian float32[hidden_size]: appended after each row of the packed grid. */
      @JsonProperty("image_newline") String imageNewline,
      /* The checkpoint's preprocessor_config.json, copied verbatim. */
      @JsonProperty("preprocessor_config") String preprocessorConfig,
      @JsonProperty("image_mean") List<Double> imageMean,
      @JsonProperty("image_std") List<Double> imageStd,
      @JsonProperty("rescale_factor") double rescaleFactor,
      /* PIL resampling filter id (3 = bicubic), as in the preprocessor config. */
      @JsonProperty("resample") int resample,
      /* Optional extra encoder graphs by precision key ("int8" -> path), same input and output as
         encoder; absent in manifests written before variants existed, and when none was written. */
      @JsonProperty("encoder_variants") @JsonInclude(JsonInclude.Include.NON_EMPTY)
          Map<String, String> encoderVariants) {

    public Vision {
      encoderVariants = encoderVariants == null ? Map.of() : Map.copyOf(encoderVariants);
    }

    /** The manifest shape before encoder variants: only the float32 encoder. */
    public Vision(String encoder, String encoderInput, String encoderOutput, int imageSize, int patchSize,
        int tokensPerTile, int hiddenSize, int visionFeatureLayer, String visionFeatureSelectStrategy,
        String visionAspectRatio, List<List<Integer>> imageGridPinpoints, String imageNewline,
        String preprocessorConfig, List<Double> imageMean, List<Double> imageStd, double rescaleFactor,
        int resample) {
      this(encoder, encoderInput, encoderOutput, imageSize, patchSize, tokensPerTile, hiddenSize, visionFeatureLayer,
          visionFeatureSelectStrategy, visionAspectRatio, imageGridPinpoints, imageNewline, preprocessorConfig,
          imageMean, imageStd, rescaleFactor, resample, Map.of());
    }

    /** The graph file of {@code precision}, relative to the model directory, if this model has one. */
    public Optional<String> encoder(EncoderPrecision precision) {
      return precision == EncoderPrecision.FP32
          ? Optional.ofNullable(encoder)
          : Optional.ofNullable(encoderVariants.get(precision.key()));
    }
  }

  /** The decoder, stored under {@code dir} in the Hugging Face Qwen2 layout Jlama loads. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Llm(
      @JsonProperty("dir") String dir,
      /* The text model's model_type, e.g. "qwen2". */
      @JsonProperty("architecture") String architecture,
      @JsonProperty("hidden_size") int hiddenSize,
      @JsonProperty("num_hidden_layers") int numHiddenLayers,
      @JsonProperty("num_attention_heads") int numAttentionHeads,
      @JsonProperty("num_key_value_heads") int numKeyValueHeads,
      @JsonProperty("vocab_size") int vocabSize,
      @JsonProperty("max_position_embeddings") int maxPositionEmbeddings,
      /* Storage dtype of the decoder's float tensors: "bfloat16", "float32" (all of them for weight_type
         f32/bf16; embeddings, lm_head, norms and biases for q8/q4). */
      @JsonProperty("dtype") String dtype,
      @JsonProperty("image_token") String imageToken,
      @JsonProperty("image_token_id") int imageTokenId,
      /* Every token id that ends a turn (config + generation_config), e.g. <|im_end|>, <|endoftext|>. */
      @JsonProperty("eos_token_ids") List<Integer> eosTokenIds,
      /* Jinja chat template (the checkpoint's), also kept in llm/tokenizer_config.json. */
      @JsonProperty("chat_template") String chatTemplate,
      /* How the decoder weights are stored: "f32", "bf16", "q8", "q4" (DecoderWeightType). Additive:
         absent in manifests written before it existed, which copied the source dtype (see dtype);
         dtype then names the float type of the tensors kept unquantized. */
      @JsonProperty("weight_type") String weightType) {

    public Llm {
      if (weightType == null || weightType.isBlank()) {
        weightType = DecoderWeightType.fromTorchDtype(dtype).key();
      } else {
        weightType = DecoderWeightType.parse(weightType).key();
      }
    }

    /** The manifest shape before weight types: the decoder is stored in {@code dtype}. */
    public Llm(String dir, String architecture, int hiddenSize, int numHiddenLayers, int numAttentionHeads,
        int numKeyValueHeads, int vocabSize, int maxPositionEmbeddings, String dtype, String imageToken,
        int imageTokenId, List<Integer> eosTokenIds, String chatTemplate) {
      this(dir, architecture, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, vocabSize,
          maxPositionEmbeddings, dtype, imageToken, imageTokenId, eosTokenIds, chatTemplate, null);
    }

    /** {@link #weightType()} as the enum. */
    public DecoderWeightType decoderWeightType() {
      return DecoderWeightType.parse(weightType);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record FileEntry(@JsonProperty("bytes") long bytes, @JsonProperty("sha256") String sha256) {}
}
