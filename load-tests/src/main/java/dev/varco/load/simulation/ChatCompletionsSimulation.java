package dev.varco.load.simulation;

import static io.gatling.javaapi.core.CoreDsl.scenario;

import dev.varco.load.LoadSettings;
import dev.varco.load.payload.Mix;
import dev.varco.load.payload.Prompts;
import dev.varco.load.payload.RequestBodies;
import dev.varco.load.payload.TestImages;
import dev.varco.load.stream.StreamApi;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.util.Optional;

/**
 * Streamed chat completions, one per arriving user: Korean and English, text only and with an image
 * of each size (small, 384x384, 1024x768), mixed as {@link Mix} says.
 * Labels: {@code chat/text}, {@code chat/image-<size>}.
 */
public class ChatCompletionsSimulation extends Simulation {
  private final LoadSettings settings = LoadSettings.fromSystemProperties();

  private final ScenarioBuilder chat = scenario("chat completions (streamed)")
      .exec(StreamSteps.stream(settings, StreamApi.CHAT_COMPLETIONS, "chat", "/v1/chat/completions",
          session -> "chat", this::body, ChatCompletionsSimulation::label));

  {
    setUp(chat.injectOpen(Arrivals.profile(settings)))
        .protocols(StreamSteps.protocol(settings))
        .maxDuration(Arrivals.bound(settings, 1));
  }

  private String body(Session session) {
    long n = session.userId();
    Prompts.Language language = Mix.language(n);
    Optional<TestImages.Sized> image = Mix.image(n);
    String text = image.isPresent() ? Prompts.imageQuestion(language, n / 8) : Prompts.question(language, n / 8);
    return RequestBodies.chat(text, image.map(TestImages.Sized::dataUrl), settings.maxTokens());
  }

  private static String label(Session session) {
    return Mix.image(session.userId()).map(i -> "chat/image-" + i.name()).orElse("chat/text");
  }
}
