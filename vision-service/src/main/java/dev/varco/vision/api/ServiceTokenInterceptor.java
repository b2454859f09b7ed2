package dev.varco.vision.api;

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
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Every call to this service's gRPC server (Encode, reflection) needs {@code varco.service-token}
 * when one is set; health stays open. Unset = no check, for a service bound to loopback.
 */
@GlobalInterceptor
@ApplicationScoped
public class ServiceTokenInterceptor implements ServerInterceptor {
  private final ServerInterceptor check;

  @Inject
  public ServiceTokenInterceptor(@ConfigProperty(name = ServiceToken.CONFIG_KEY) Optional<String> token) {
    this.check = token.map(ServiceToken::of).<ServerInterceptor>map(ServiceTokenCheck::new).orElse(null);
  }

  void warnWhenOpen(@Observes StartupEvent event, @ConfigProperty(name = "quarkus.http.host") String httpHost,
      @ConfigProperty(name = "quarkus.grpc.server.host") String grpcHost) {
    String warning = ServiceToken.exposureWarning("vision-service", check != null, httpHost, grpcHost);
    if (warning != null) {
      Logger.getLogger(ServiceTokenInterceptor.class).warn(warning);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return check == null ? next.startCall(call, headers) : check.interceptCall(call, headers, next);
  }
}
