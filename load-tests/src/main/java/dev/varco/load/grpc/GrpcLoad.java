package dev.varco.load.grpc;

import com.google.protobuf.ByteString;
import dev.varco.load.LoadSettings;
import dev.varco.load.payload.Mix;
import dev.varco.load.payload.Prompts;
import dev.varco.load.payload.TestImages;
import dev.varco.proto.chat.v1.ChatGrpc;
import dev.varco.proto.chat.v1.ChatMessage;
import dev.varco.proto.chat.v1.ChatPart;
import dev.varco.proto.chat.v1.ChatRequest;
import dev.varco.proto.chat.v1.CreateConversationRequest;
import dev.varco.proto.chat.v1.DeleteConversationRequest;
import dev.varco.proto.chat.v1.DeleteConversationResponse;
import dev.varco.proto.chat.v1.RespondRequest;
import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC harness (grpc-java, HdrHistogram through the shared measurements), since no Gatling gRPC
 * plugin is available: the same open arrivals and per-stream measurements as the HTTP scenarios.
 *
 * <ul>
 *   <li>{@code grpc-complete}: one {@code varco.chat.v1.Chat/Complete} stream per user, Korean or
 *       English, text only or with each image size (labels {@code grpc-complete/text}, {@code
 *       grpc-complete/image-<size>});
 *   <li>{@code grpc-respond}: a server-side conversation per user ({@code CreateConversation}), three
 *       {@code Respond} turns sending only the new input (turn 1 with an image), then {@code
 *       DeleteConversation} (labels {@code grpc-respond/turn-1-image}, {@code grpc-respond/turn-2+});
 *   <li>{@code grpc-encode}: one {@code varco.vision.v1.VisionEncoder/Encode} per user against
 *       vision-service, rotating image sizes; "TTFT" is the time to the embedding header, the
 *       "tokens" its image token count (labels {@code grpc-encode/<size>}).
 * </ul>
 */
public final class GrpcLoad {
  public static final List<String> SCENARIOS = List.of("grpc-complete", "grpc-respond", "grpc-encode");
  private static final int RESPOND_TURNS = 3;

  private GrpcLoad() {}

  /** Runs one gRPC scenario to its end; the streams land in the shared measurements. */
  public static void run(LoadSettings settings, String scenario) throws InterruptedException {
    boolean vision = scenario.equals("grpc-encode");
    String target = (vision ? settings.visionGrpcTarget() : settings.grpcTarget()).orElseThrow(() -> new IllegalArgumentException(
        scenario + " needs " + (vision ? "--vision-grpc-target" : "--grpc-target") + " host:port"));
    ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).maxInboundMessageSize(8 << 20).build();
    try {
      switch (scenario) {
        case "grpc-complete" -> OpenArrivals.run(settings, "grpc-complete/text", (n, release) -> complete(settings, chat(settings, channel), n, release));
        case "grpc-respond" -> OpenArrivals.run(settings, "grpc-respond/turn-1-image", (n, release) -> respond(settings, chat(settings, channel), n, release));
        case "grpc-encode" -> OpenArrivals.run(settings, "grpc-encode/small", (n, release) -> encode(settings, channel, n, release));
        default -> throw new IllegalArgumentException("unknown gRPC scenario " + scenario);
      }
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static ChatGrpc.ChatStub chat(LoadSettings settings, ManagedChannel channel) {
    ChatGrpc.ChatStub stub = ChatGrpc.newStub(channel);
    if (settings.apiKey().isEmpty()) {
      return stub;
    }
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + settings.apiKey().get());
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static void complete(LoadSettings settings, ChatGrpc.ChatStub stub, int n, Runnable release) {
    Prompts.Language language = Mix.language(n);
    Optional<TestImages.Sized> mixed = Mix.image(n);
    ChatMessage.Builder message = ChatMessage.newBuilder().setRole("user");
    String label = "grpc-complete/text";
    if (mixed.isPresent()) {
      TestImages.Sized image = mixed.get();
      message.addParts(ChatPart.newBuilder().setImage(ByteString.copyFrom(image.png())));
      message.addParts(ChatPart.newBuilder().setText(Prompts.imageQuestion(language, n)));
      label = "grpc-complete/image-" + image.name();
    } else {
      message.addParts(ChatPart.newBuilder().setText(Prompts.question(language, n)));
    }
    ChatRequest request = ChatRequest.newBuilder().addMessages(message).setMaxTokens(settings.maxTokens()).setTemperature(1).build();
    stub.withDeadlineAfter(settings.streamTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .complete(request, new ChatStreamObserver(new TimedStream(label), release));
  }

  private static void respond(LoadSettings settings, ChatGrpc.ChatStub stub, int n, Runnable release) {
    TimedStream creation = new TimedStream("grpc-respond/turn-1-image");
    stub.withDeadlineAfter(settings.streamTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .createConversation(CreateConversationRequest.newBuilder().putAllMetadata(Map.of("title", "load " + n)).build(), new Unary<>(
            conversation -> turn(settings, stub, n, conversation.getId(), 0, release),
            error -> {
              creation.failed(error);
              release.run();
            }));
  }

  private static void turn(LoadSettings settings, ChatGrpc.ChatStub stub, int n, String conversationId, int turn, Runnable release) {
    if (turn == RESPOND_TURNS) {
      deleteThen(stub, conversationId, release);
      return;
    }
    Prompts.Language language = Mix.language(n);
    RespondRequest.Builder request = RespondRequest.newBuilder().setConversationId(conversationId).setMaxTokens(settings.maxTokens());
    if (turn == 0) {
      TestImages.Sized image = Mix.alwaysImage(n);
      request.addInput(ChatPart.newBuilder().setImage(ByteString.copyFrom(image.png())));
      request.addInput(ChatPart.newBuilder().setText(Prompts.imageQuestion(language, n)));
    } else {
      request.addInput(ChatPart.newBuilder().setText(Prompts.followUp(language, n + turn)));
    }
    TimedStream timed = new TimedStream(turn == 0 ? "grpc-respond/turn-1-image" : "grpc-respond/turn-2+");
    ChatStreamObserver[] observer = new ChatStreamObserver[1];
    observer[0] = new ChatStreamObserver(timed, () -> {
      if (observer[0].succeeded()) {
        turn(settings, stub, n, conversationId, turn + 1, release);
      } else {
        deleteThen(stub, conversationId, release);
      }
    });
    stub.withDeadlineAfter(settings.streamTimeout().toMillis(), TimeUnit.MILLISECONDS).respond(request.build(), observer[0]);
  }

  /** Deletes the conversation (so runs do not grow the store), then ends the user either way. */
  private static void deleteThen(ChatGrpc.ChatStub stub, String conversationId, Runnable release) {
    stub.withDeadlineAfter(30, TimeUnit.SECONDS).deleteConversation(DeleteConversationRequest.newBuilder().setConversationId(conversationId).build(),
        new Unary<DeleteConversationResponse>(deleted -> release.run(), error -> release.run()));
  }

  private static void encode(LoadSettings settings, ManagedChannel channel, int n, Runnable release) {
    TestImages.Sized image = Mix.alwaysImage(n);
    TimedStream timed = new TimedStream("grpc-encode/" + image.name());
    long[] tokens = {-1};
    VisionEncoderGrpc.newStub(channel).withDeadlineAfter(settings.streamTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .encode(EncodeRequest.newBuilder().setImage(ByteString.copyFrom(image.png())).setRequestId("load-" + n).build(),
            new StreamObserver<EncodeResponse>() {
              @Override
              public void onNext(EncodeResponse response) {
                if (response.hasHeader()) {
                  tokens[0] = response.getHeader().getTokenCount();
                  timed.output();
                }
              }

              @Override
              public void onError(Throwable error) {
                timed.failed(error);
                release.run();
              }

              @Override
              public void onCompleted() {
                if (tokens[0] < 0) {
                  timed.completedWithoutFinal();
                } else {
                  timed.done(tokens[0]);
                }
                release.run();
              }
            });
  }

  /** A unary call's answer or error, as two callbacks. */
  private record Unary<T>(java.util.function.Consumer<T> answer, java.util.function.Consumer<Throwable> error) implements StreamObserver<T> {
    @Override
    public void onNext(T value) {
      answer.accept(value);
    }

    @Override
    public void onError(Throwable t) {
      error.accept(t);
    }

    @Override
    public void onCompleted() {}
  }
}
