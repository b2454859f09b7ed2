package dev.varco.gateway.upstream;

import dev.varco.proto.llm.v1.DescribeModelRequest;
import dev.varco.proto.llm.v1.ModelDescription;
import dev.varco.proto.llm.v1.MutinyLanguageModelGrpc;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The model the language-model backend serves, asked once and remembered: it only changes when
 * the backend restarts with another model directory, and asking on every request would add a
 * round trip to each turn. Learning it fires {@link BackendDescribed} (the key limits follow the
 * backend's running slots).
 */
@ApplicationScoped
public class ServedModel {

  @Inject
  @GrpcClient("llm")
  MutinyLanguageModelGrpc.MutinyLanguageModelStub stub;

  @Inject Event<BackendDescribed> described;

  @ConfigProperty(name = "varco.upstream.describe-timeout", defaultValue = "PT5S")
  Duration describeTimeout;

  private volatile ModelDescription known;

  /** The backend's model description; fails with the gRPC status when the backend is unreachable. */
  public Uni<ModelDescription> describe() {
    ModelDescription cached = known;
    if (cached != null) {
      return Uni.createFrom().item(cached);
    }
    return stub.describeModel(DescribeModelRequest.getDefaultInstance())
        .ifNoItem().after(describeTimeout).failWith(() -> io.grpc.Status.DEADLINE_EXCEEDED
            .withDescription("the language model did not describe its model in " + describeTimeout.toSeconds() + " s")
            .asRuntimeException())
        .invoke(description -> {
          known = description;
          described.fire(new BackendDescribed(description));
        });
  }
}
