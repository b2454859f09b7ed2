package dev.varco.gateway.discovery;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/** Where the llm-service replicas are: documented in gateway/README.md ("llm-service replicas"). */
@ConfigMapping(prefix = "varco.gateway.discovery")
public interface DiscoveryConfig {

  enum Kind {
    /** A fixed list ({@link #addresses()}), or without one the single {@code quarkus.grpc.clients.llm} address. */
    STATIC,
    /** The ready endpoints of a Service, from its EndpointSlices. */
    KUBERNETES
  }

  @WithDefault("static")
  Kind kind();

  /** Static replicas, {@code host:port} each. */
  Optional<List<String>> addresses();

  /** The Service whose EndpointSlices list the replicas (kind kubernetes). */
  @WithDefault("llm-service")
  String service();

  /** Its namespace; absent = the gateway's own (the Kubernetes client's namespace). */
  Optional<String> namespace();

  /** The EndpointSlice port carrying llm-service's gRPC. */
  @WithDefault("grpc")
  String portName();
}
