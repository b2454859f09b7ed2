package dev.varco.load.simulation;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import dev.varco.load.LoadSettings;
import dev.varco.load.payload.Mix;
import dev.varco.load.payload.Prompts;
import dev.varco.load.payload.RequestBodies;
import dev.varco.load.stream.Measurements;
import dev.varco.load.stream.StreamApi;
import dev.varco.load.stream.StreamOutcome;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.util.Optional;

/**
 * Responses-API conversations held on the server: each arriving user creates a conversation, sends 3
 * to 5 streamed turns carrying only the new input (turn 1 with an image, Korean or English), then
 * deletes it so runs do not grow the store. Labels: {@code responses/turn-1-image}, {@code
 * responses/turn-2+}; a refused conversation creation counts under turn 1.
 */
public class ResponsesConversationSimulation extends Simulation {
  static final int MAX_TURNS = 5;
  private static final String FIRST = "responses/turn-1-image";
  private static final String LATER = "responses/turn-2+";

  private final LoadSettings settings = LoadSettings.fromSystemProperties();

  private final ScenarioBuilder conversations = scenario("responses conversations (streamed, server-side)")
      .exec(http("responses: create conversation").post("/v1/conversations")
          .header("Content-Type", "application/json").body(StringBody("{}"))
          .check(status().saveAs("varco_createStatus"), jsonPath("$.id").optional().saveAs("varco_conversation")))
      .exec(ResponsesConversationSimulation::countRefusedCreation)
      .exitHereIfFailed()
      .repeat(session -> turns(session.userId()), "varco_turn").on(
          exec(StreamSteps.stream(settings, StreamApi.RESPONSES, "responses turn", "/v1/responses",
              session -> "turn" + session.getInt("varco_turn"), this::body,
              session -> session.getInt("varco_turn") == 0 ? FIRST : LATER))
          .exitHereIfFailed())
      .exec(http("responses: delete conversation").delete("/v1/conversations/#{varco_conversation}"));

  {
    setUp(conversations.injectOpen(Arrivals.profile(settings)))
        .protocols(StreamSteps.protocol(settings))
        .maxDuration(Arrivals.bound(settings, MAX_TURNS));
  }

  private static int turns(long userId) {
    return 3 + (int) (userId % 3);
  }

  private String body(Session session) {
    long n = session.userId();
    int turn = session.getInt("varco_turn");
    Prompts.Language language = Mix.language(n);
    String conversation = session.getString("varco_conversation");
    if (turn == 0) {
      var image = Mix.alwaysImage(n);
      return RequestBodies.responsesTurn(conversation, Prompts.imageQuestion(language, n), Optional.of(image.dataUrl()), settings.maxTokens());
    }
    return RequestBodies.responsesTurn(conversation, Prompts.followUp(language, n + turn), Optional.empty(), settings.maxTokens());
  }

  private static Session countRefusedCreation(Session session) {
    if (session.contains("varco_conversation")) {
      return session;
    }
    long now = System.currentTimeMillis();
    String status = session.contains("varco_createStatus") ? "HTTP " + session.getInt("varco_createStatus") : "connection failed";
    Measurements.record(FIRST, new StreamOutcome(Optional.of(status + " (creating the conversation)"), -1, new long[0], 0, 0), now, now);
    return session.markAsFailed();
  }
}
