package dev.varco.gateway.upstream;

import com.google.protobuf.ByteString;
import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.ChatTurn;
import dev.varco.gateway.chat.Sampling;
import dev.varco.gateway.routing.Affinity;
import dev.varco.gateway.routing.LlmRouter;
import dev.varco.proto.llm.v1.ContentPart;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.Image;
import dev.varco.proto.llm.v1.LanguageModelGrpc;
import dev.varco.proto.llm.v1.Message;
import dev.varco.proto.llm.v1.SamplingParams;
import dev.varco.proto.llm.v1.TokenLogprob;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Calls the language-model service. Built on the async grpc-java stub rather than the Mutiny one
 * because cancelling a Mutiny subscription does not cancel the RPC (Quarkus 3.33, measured): here
 * {@link Generation#cancel()} cancels the call itself, so the backend stops decoding.
 */
@ApplicationScoped
public class LanguageModelClient {

  @Inject
  LlmRouter router;

  @ConfigProperty(name = "varco.upstream.generation-timeout", defaultValue = "PT10M")
  Duration generationTimeout;

  /** A generation in flight. */
  public interface Generation {
    /** Stops the generation upstream; no listener call follows. */
    void cancel();

    /**
     * Stops taking the answer from llm-service until {@link #resume}: at most a few more events
     * arrive, then gRPC's flow control holds the rest upstream (the client is not reading).
     */
    void pause();

    /** Takes the answer again after {@link #pause}. */
    void resume();
  }

  /**
   * Starts streaming one turn on the replica its affinity routes to; events go to {@code listener}.
   * {@code caller} (the API key's name) lets llm-service share its queue fairly between callers.
   */
  public Generation generate(ChatTurn turn, String requestId, String caller, Affinity affinity,
      GenerationListener listener) {
    AtomicBoolean cancelled = new AtomicBoolean();
    GenerationObserver observer = new GenerationObserver(listener, cancelled);
    LanguageModelGrpc.newStub(router.channel(affinity))
        .withDeadlineAfter(generationTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .generate(toRequest(turn, requestId, affinity).toBuilder().setCaller(caller).build(), observer);
    return new Generation() {
      @Override
      public void cancel() {
        if (cancelled.compareAndSet(false, true)) {
          observer.cancelCall();
        }
      }

      @Override
      public void pause() {
        observer.pause();
      }

      @Override
      public void resume() {
        observer.resume();
      }
    };
  }

  /** The request for {@code turn}, carrying the conversation id (if any) as {@code session_id}. */
  static GenerateRequest toRequest(ChatTurn turn, String requestId, Affinity affinity) {
    return toRequest(turn, requestId).toBuilder().setSessionId(affinity.sessionId()).build();
  }

  static GenerateRequest toRequest(ChatTurn turn, String requestId) {
    Sampling controls = turn.sampling();
    SamplingParams.Builder sampling = SamplingParams.newBuilder()
        .setTemperature((float) controls.temperature())
        .setMaxTokens(controls.maxTokens())
        .setTopK(controls.topK())
        .setMinP((float) controls.minP())
        .setPresencePenalty((float) controls.presencePenalty())
        .setFrequencyPenalty((float) controls.frequencyPenalty())
        .addAllStop(controls.stop())
        .setLogprobs(controls.logprobs())
        .setTopLogprobs(controls.topLogprobs());
    controls.seed().ifPresent(sampling::setSeed);
    // top_p 0 (OpenAI allows it) keeps only the most likely token; llm-service wants (0, 1].
    controls.topP().ifPresent(topP -> sampling.setTopP(topP == 0.0 ? Float.MIN_VALUE : (float) topP));
    controls.repetitionPenalty().ifPresent(penalty -> sampling.setRepetitionPenalty((float) penalty));
    GenerateRequest.Builder request =
        GenerateRequest.newBuilder().setRequestId(requestId).setSampling(sampling).setCachePrompt(turn.cachePrompt());
    for (ChatMessage message : turn.messages()) {
      Message.Builder out = Message.newBuilder().setRole(message.role().wireName());
      for (ChatPart part : message.parts()) {
        switch (part) {
          case ChatPart.Text text -> out.addContent(ContentPart.newBuilder().setText(text.text()));
          case ChatPart.Image image ->
              out.addContent(ContentPart.newBuilder()
                  .setImage(Image.newBuilder().setData(ByteString.copyFrom(image.bytes()))));
        }
      }
      request.addMessages(out);
    }
    return request.build();
  }

  private static List<GenerationListener.TokenLogprob> logprobs(List<TokenLogprob> wire) {
    if (wire.isEmpty()) {
      return List.of();
    }
    List<GenerationListener.TokenLogprob> tokens = new ArrayList<>(wire.size());
    for (TokenLogprob token : wire) {
      tokens.add(new GenerationListener.TokenLogprob(token.getToken(), token.getBytes().toByteArray(),
          token.getLogprob(), logprobs(token.getTopLogprobsList())));
    }
    return tokens;
  }

  /**
   * Turns the response stream into listener calls; exactly one terminal call. Messages are asked
   * for one at a time ({@link #AHEAD} ahead), so a paused generation stops arriving.
   */
  private static final class GenerationObserver
      implements ClientResponseObserver<GenerateRequest, GenerateResponse> {
    /** Messages asked of llm-service ahead of the listener: what may still arrive after a pause. */
    private static final int AHEAD = 8;
    private final GenerationListener listener;
    private final AtomicBoolean cancelled;
    private volatile ClientCallStreamObserver<GenerateRequest> call;
    private boolean finished;
    /** Guarded by this: paused, and the messages not asked for meanwhile. */
    private boolean paused;
    private int owed;

    GenerationObserver(GenerationListener listener, AtomicBoolean cancelled) {
      this.listener = listener;
      this.cancelled = cancelled;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<GenerateRequest> requestStream) {
      this.call = requestStream;
      requestStream.disableAutoRequestWithInitial(AHEAD);
    }

    void pause() {
      synchronized (this) {
        paused = true;
      }
    }

    void resume() {
      int due;
      synchronized (this) {
        paused = false;
        due = owed;
        owed = 0;
      }
      if (due > 0) {
        call.request(due);
      }
    }

    /** One message was handled: ask for the next unless paused (then owe it). */
    private void requestNext() {
      synchronized (this) {
        if (paused) {
          owed++;
          return;
        }
      }
      call.request(1);
    }

    void cancelCall() {
      ClientCallStreamObserver<GenerateRequest> current = call;
      if (current != null) {
        current.cancel("the client went away", null);
      }
    }

    @Override
    public void onNext(GenerateResponse response) {
      if (cancelled.get() || finished) {
        return;
      }
      switch (response.getEventCase()) {
        case DELTA -> {
          listener.onDelta(response.getDelta().getText(), logprobs(response.getDelta().getLogprobsList()));
          requestNext();
        }
        case COMPLETION -> {
          finished = true;
          var completion = response.getCompletion();
          var reason = switch (completion.getFinishReason()) {
            case FINISH_REASON_LENGTH -> GenerationListener.FinishReason.LENGTH;
            default -> GenerationListener.FinishReason.STOP;
          };
          var usage = completion.getUsage();
          listener.onCompletion(reason, new GenerationListener.TokenUsage(usage.getPromptTokens(),
              usage.getCompletionTokens(), usage.getImageTokens(), usage.getCachedPromptTokens()));
        }
        case EVENT_NOT_SET -> requestNext();
      }
    }

    @Override
    public void onError(Throwable error) {
      if (!cancelled.get() && !finished) {
        finished = true;
        listener.onFailure(UpstreamFailure.from(error));
      }
    }

    @Override
    public void onCompleted() {
      if (!cancelled.get() && !finished) {
        finished = true;
        listener.onFailure(UpstreamFailure.truncatedStream());
      }
    }
  }
}
