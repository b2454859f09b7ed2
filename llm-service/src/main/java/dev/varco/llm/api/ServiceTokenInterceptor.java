package dev.varco.llm.api;

import dev.varco.llm.config.LlmServiceConfig;
import dev.varco.proto.auth.ServiceToken;
import dev.varco.proto.auth.ServiceTokenCheck;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Every call to this service's gRPC server needs {@code varco.service-token} when one is set. */
@GlobalInterceptor
@ApplicationScoped
public class ServiceTokenInterceptor implements ServerInterceptor {
  private final ServerInterceptor check;

  @Inject
  public ServiceTokenInterceptor(LlmServiceConfig config) {
    this.check = config.serviceToken().map(ServiceToken::of).<ServerInterceptor>map(ServiceTokenCheck::new).orElse(null);
  }

  void warnWhenOpen(@Observes StartupEvent event, @ConfigProperty(name = "quarkus.http.host") String httpHost,
      @ConfigProperty(name = "quarkus.grpc.server.host") String grpcHost) {
    String warning = ServiceToken.exposureWarning("llm-service", check != null, httpHost, grpcHost);
    if (warning != null) {
      Logger.getLogger(ServiceTokenInterceptor.class).warn(warning);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return check == null ? next.startCall(call, headers) : check.interceptCall(call, headers, next);
  }
}
