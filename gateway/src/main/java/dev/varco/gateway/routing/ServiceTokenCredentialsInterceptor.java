package dev.varco.gateway.routing;

import dev.varco.proto.auth.ServiceToken;
import dev.varco.proto.auth.ServiceTokenCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.MethodDescriptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Puts {@code varco.service-token} (when set) on every call to llm-service: on the configured
 * {@code llm} client (a global interceptor) and, through {@link #authenticate}, on the channels of
 * discovered replicas, which are not Quarkus clients.
 */
@GlobalInterceptor
@ApplicationScoped
public class ServiceTokenCredentialsInterceptor implements ClientInterceptor {
  private final ClientInterceptor credentials;

  @Inject
  public ServiceTokenCredentialsInterceptor(@ConfigProperty(name = ServiceToken.CONFIG_KEY) Optional<String> token) {
    this.credentials = token.map(ServiceToken::of).<ClientInterceptor>map(ServiceTokenCredentials::new).orElse(null);
  }

  /** {@code channel} with the token on each call, or as it is when no token is set. */
  public Channel authenticate(Channel channel) {
    return credentials == null ? channel : ClientInterceptors.intercept(channel, credentials);
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return credentials == null ? next.newCall(method, options) : credentials.interceptCall(method, options, next);
  }
}
