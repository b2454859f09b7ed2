package dev.varco.llm.vision;

import com.google.protobuf.ByteString;
import dev.varco.llm.config.LlmServiceConfig;
import dev.varco.llm.model.ImageEmbedding;
import dev.varco.proto.auth.ServiceToken;
import dev.varco.proto.auth.ServiceTokenCredentials;
import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Calls vision-service {@code VisionEncoder/Encode} for one image and reassembles the streamed
 * embedding. Blocking; call it from a worker thread, never from an event loop or the model thread.
 * The stub is built from the injected {@link Channel} ({@code @GrpcClient} cannot inject
 * grpc-java's blocking stubs directly).
 */
@ApplicationScoped
public class VisionEncoderClient {
  private final VisionEncoderGrpc.VisionEncoderBlockingStub stub;

  @Inject
  public VisionEncoderClient(@GrpcClient("vision") Channel channel, LlmServiceConfig config) {
    // With a service token set, vision-service gets it on every call (it checks the same key).
    Channel authenticated = config.serviceToken()
        .map(token -> ClientInterceptors.intercept(channel, new ServiceTokenCredentials(ServiceToken.of(token)))).orElse(channel);
    this.stub = VisionEncoderGrpc.newBlockingStub(authenticated);
  }

  /**
   * @throws StatusRuntimeException with the vision service's status (INVALID_ARGUMENT for a bad
   *     image, UNAVAILABLE when it cannot be reached, DEADLINE_EXCEEDED after {@code timeout})
   * @throws MalformedEmbeddingException when the stream breaks the Encode contract
   */
  public ImageEmbedding encode(byte[] image, String sha256, String requestId, Duration timeout) {
    EncodeRequest request =
        EncodeRequest.newBuilder().setImage(ByteString.copyFrom(image)).setSha256(sha256).setRequestId(requestId).build();
    // A cancellable context so an abandoned stream is torn down, not left running.
    try (Context.CancellableContext context = Context.current().withCancellation()) {
      return context.call(() -> {
        Iterator<EncodeResponse> responses =
            stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).encode(request);
        EmbeddingAssembler assembler = new EmbeddingAssembler();
        while (responses.hasNext()) {
          assembler.accept(responses.next());
        }
        return assembler.finish();
      });
    } catch (StatusRuntimeException | MalformedEmbeddingException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("vision Encode failed: " + e.getMessage(), e);
    }
  }
}
