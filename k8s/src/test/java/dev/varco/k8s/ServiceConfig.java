package dev.varco.k8s;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Properties;

/** A service's own application.properties, the source of truth for its ports and defaults. */
final class ServiceConfig {
  static final String[] SERVICES = {"gateway", "llm-service", "vision-service"};

  private ServiceConfig() {}

  static Properties of(String service) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(
        Kustomize.REPOSITORY.resolve(service).resolve("src/main/resources/application.properties"))) {
      properties.load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties;
  }

  static int httpPort(String service) {
    return Integer.parseInt(of(service).getProperty("quarkus.http.port"));
  }

  static int grpcPort(String service) {
    return Integer.parseInt(of(service).getProperty("quarkus.grpc.server.port"));
  }
}
