package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.models.Model;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The official OpenAI Java SDK (openai-java) against the real stack: it must build our requests,
 * parse our JSON and SSE into its own model classes (each {@code validate()}d), and surface our
 * errors as its typed exceptions. The client talks only to the gateway on loopback (explicit base
 * URL, dummy key, no retries, so a failure shows on the first try). Expected texts are never
 * hard-coded: the model is a tiny random-weight model, so every expectation is derived from a
 * greedy answer of the same stack.
 */
@ExtendWith(RunningStack.class)
class OpenAiClientSystemTest {
  private static final String QUESTION = "Describe this picture in one sentence.";
  private static OpenAIClient client;
  private static String model;

  @BeforeAll
  static void connect() {
    client = OpenAiSdk.connect();
    model = client.models().list().data().getFirst().id();
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  private static ChatCompletionCreateParams.Builder greedy(int maxTokens) {
    return ChatCompletionCreateParams.builder().model(model).temperature(0.0).seed(7L).maxCompletionTokens(maxTokens);
  }

  private static ChatCompletionCreateParams.Builder imageTurn(int maxTokens) {
    String url = TestImages.dataUrl("image/png", TestImages.png(320, 240));
    return greedy(maxTokens).addUserMessageOfArrayOfContentParts(List.of(
        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
            .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(url).build()).build()),
        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text(QUESTION).build())));
  }

  private static ChatCompletion create(ChatCompletionCreateParams params) {
    ChatCompletion completion = client.chat().completions().create(params);
    completion.validate();
    return completion;
  }

  private static String text(ChatCompletion completion) {
    return completion.choices().getFirst().message().content().orElseThrow();
  }

  /** The streamed chunks, each validated by the SDK. */
  private static List<ChatCompletionChunk> stream(ChatCompletionCreateParams params) {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> response = client.chat().completions().createStreaming(params)) {
      response.stream().forEach(chunk -> chunks.add(chunk.validate()));
    }
    return chunks;
  }

  private static String text(List<ChatCompletionChunk> chunks) {
    StringBuilder text = new StringBuilder();
    for (ChatCompletionChunk chunk : chunks) {
      for (ChatCompletionChunk.Choice choice : chunk.choices()) {
        choice.delta().content().ifPresent(text::append);
      }
    }
    return text.toString();
  }

  @Test
  void imageTurnWithUsage() {
    ChatCompletion completion = create(imageTurn(8).build());
    assertEquals(model, completion.model());
    assertEquals(1, completion.choices().size());
    assertTrue(completion.choices().getFirst().message().content().isPresent());
    var usage = completion.usage().orElseThrow();
    // The SDK reads our prompt_tokens_details.image_tokens into its own imageTokens field.
    long imageTokens = usage.promptTokensDetails().orElseThrow().imageTokens().orElseThrow();
    assertTrue(imageTokens >= 729, "an image is at least one 729-row base tile: " + usage);
    assertTrue(usage.promptTokens() > imageTokens, "the question's text tokens come on top: " + usage);
    assertTrue(usage.completionTokens() >= 1 && usage.completionTokens() <= 8, usage.toString());
    assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
    String finishReason = completion.choices().getFirst().finishReason().asString();
    assertTrue(finishReason.equals("stop") || finishReason.equals("length"), finishReason);
  }

  @Test
  void streamingGivesTheGreedyAnswerAndAUsageChunk() {
    ChatCompletion whole = create(imageTurn(10).build());
    List<ChatCompletionChunk> chunks = stream(imageTurn(10)
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());

    assertEquals(text(whole), text(chunks), "streamed and non-streamed greedy answers must be identical");
    assertEquals(Optional.of(ChatCompletionChunk.Choice.Delta.Role.ASSISTANT),
        chunks.getFirst().choices().getFirst().delta().role());
    String finishReason = chunks.stream().flatMap(c -> c.choices().stream())
        .flatMap(c -> c.finishReason().stream()).map(r -> r.asString()).reduce((a, b) -> b).orElseThrow();
    assertEquals(whole.choices().getFirst().finishReason().asString(), finishReason);

    ChatCompletionChunk last = chunks.getLast();
    assertTrue(last.choices().isEmpty(), "the usage chunk has no choices");
    var usage = last.usage().orElseThrow();
    assertEquals(whole.usage().orElseThrow().promptTokens(), usage.promptTokens());
    assertEquals(whole.usage().orElseThrow().completionTokens(), usage.completionTokens());
    assertTrue(chunks.subList(0, chunks.size() - 1).stream().allMatch(c -> c.usage().isEmpty()),
        "only the last chunk carries usage");
  }

  @Test
  void logprobsWithTopLogprobsParseInTheSdk() {
    int maxTokens = 6;
    ChatCompletion completion = create(greedy(maxTokens).addUserMessage("Hello! Who are you?")
        .logprobs(true).topLogprobs(3L).build());
    List<ChatCompletionTokenLogprob> tokens =
        completion.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
    long completionTokens = completion.usage().orElseThrow().completionTokens();
    assertFalse(tokens.isEmpty());
    // An end-of-turn token counts as a completion token but is never sent, so it has no entry.
    assertTrue(tokens.size() == completionTokens || tokens.size() == completionTokens - 1,
        tokens.size() + " logprobs for " + completionTokens + " completion tokens");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (ChatCompletionTokenLogprob token : tokens) {
      assertTrue(token.logprob() <= 0.0, "a log probability is never positive: " + token);
      assertEquals(3, token.topLogprobs().size());
      for (int i = 1; i < 3; i++) {
        assertTrue(token.topLogprobs().get(i - 1).logprob() >= token.topLogprobs().get(i).logprob(),
            "top_logprobs are most likely first: " + token);
      }
      // Greedy: the chosen token is the most likely one.
      assertEquals(token.topLogprobs().getFirst().logprob(), token.logprob(), 1e-6, token.toString());
      token.bytes().orElseThrow().forEach(b -> bytes.write(b.intValue()));
    }
    // The answer is the tokens' bytes (minus a character cut off by max_tokens, which is dropped).
    byte[] answer = text(completion).getBytes(StandardCharsets.UTF_8);
    byte[] tokenBytes = bytes.toByteArray();
    assertTrue(tokenBytes.length >= answer.length, "token bytes shorter than the answer");
    assertArrayEquals(answer, Arrays.copyOf(tokenBytes, answer.length));

    // Streaming: every chunk carries the logprobs of the tokens in its delta.
    List<ChatCompletionChunk> chunks = stream(greedy(maxTokens).addUserMessage("Hello! Who are you?")
        .logprobs(true).topLogprobs(3L).build());
    List<String> streamedTokens = chunks.stream().flatMap(c -> c.choices().stream())
        .flatMap(c -> c.logprobs().stream()).flatMap(l -> l.content().stream()).flatMap(List::stream)
        .map(ChatCompletionTokenLogprob::token).toList();
    assertEquals(tokens.stream().map(ChatCompletionTokenLogprob::token).toList(), streamedTokens);
  }

  @Test
  void stopStringEndsTheAnswerBeforeIt() {
    String answer = text(create(greedy(16).addUserMessage("Tell me a story.").build()));
    int codePoints = answer.codePointCount(0, answer.length());
    assumeTrue(codePoints >= 4, "the greedy answer is too short to cut: '" + answer + "'");
    // A stop string taken from the middle of the greedy answer: the answer must end right before
    // its first occurrence, with finish_reason "stop".
    int from = answer.offsetByCodePoints(0, codePoints / 2);
    String stop = answer.substring(from, answer.offsetByCodePoints(from, 2));
    String expected = answer.substring(0, answer.indexOf(stop));

    ChatCompletion stopped = create(greedy(16).addUserMessage("Tell me a story.").stop(stop).build());
    assertEquals(expected, text(stopped));
    assertEquals("stop", stopped.choices().getFirst().finishReason().asString());

    List<ChatCompletionChunk> chunks = stream(greedy(16).addUserMessage("Tell me a story.")
        .stop(ChatCompletionCreateParams.Stop.ofStrings(List.of(stop, "\u2603\u2603\u2603"))).build());
    assertEquals(expected, text(chunks));
  }

  @Test
  void nOtherThanOneIsABadRequestNamingTheParam() {
    var refused = assertThrows(BadRequestException.class,
        () -> client.chat().completions().create(greedy(2).addUserMessage("hi").n(2L).build()));
    assertEquals(400, refused.statusCode());
    assertEquals(Optional.of("n"), refused.param());
    assertEquals(Optional.of("invalid_request_error"), refused.type());

    var jsonMode = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
        greedy(2).addUserMessage("hi").responseFormat(ResponseFormatJsonObject.builder().build()).build()));
    assertEquals(Optional.of("response_format"), jsonMode.param());

    var topP = assertThrows(BadRequestException.class,
        () -> client.chat().completions().create(greedy(2).addUserMessage("hi").topP(1.5).build()));
    assertEquals(Optional.of("top_p"), topP.param());
  }

  /** models.retrieve: the served model, and the SDK's NotFoundException for another id. */
  @Test
  void modelsAreRetrieved() {
    Model served = client.models().retrieve(model).validate();
    assertEquals(model, served.id());
    var other = assertThrows(NotFoundException.class, () -> client.models().retrieve("NCSOFT/VARCO-VISION-14B-HF"));
    assertEquals(Optional.of("model_not_found"), other.code());
    assertEquals(Optional.of("model"), other.param());
  }

  /**
   * A prompt over the context is OpenAI's context_length_exceeded: from llm-service once it has
   * tokenized the prompt, or at once from the gateway's character cap for a text too long to tokenize.
   */
  @Test
  void aPromptOverTheContextIsContextLengthExceeded() {
    var tokenized = assertThrows(BadRequestException.class,
        () -> client.chat().completions().create(greedy(2).addUserMessage("가 ".repeat(40_000)).build()));
    assertEquals(Optional.of("context_length_exceeded"), tokenized.code());
    assertEquals(Optional.of("messages"), tokenized.param());
    assertTrue(tokenized.getMessage().contains("context length"), tokenized.getMessage());

    long started = System.nanoTime();
    var capped = assertThrows(BadRequestException.class,
        () -> client.chat().completions().create(greedy(2).addUserMessage("a".repeat(3_000_000)).build()));
    assertEquals(Optional.of("context_length_exceeded"), capped.code());
    assertEquals(Optional.of("messages[0].content"), capped.param());
    assertTrue(capped.getMessage().contains("varco.gateway.max-message-chars"), capped.getMessage());
    System.out.printf("a 3 MB text refused in %d ms%n", (System.nanoTime() - started) / 1_000_000);

    assertEquals(model, create(greedy(1).addUserMessage("still there?").build()).model(), "the next request is served");
  }

  @Test
  void modelsAreListed() {
    List<Model> models = client.models().list().data();
    assertEquals(1, models.size());
    Model served = models.getFirst().validate();
    assertFalse(served.id().isBlank());
    assertEquals(served.id(), create(greedy(1).addUserMessage("hi").build()).model());
  }
}
