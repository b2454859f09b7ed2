package dev.varco.gateway.session;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;

/** Where conversations are kept. */
@ConfigMapping(prefix = "varco.gateway.store")
public interface StoreConfig {

  /** Which store: {@code embedded} (an H2 file in {@link #dir()}); Redis is to come. */
  @WithDefault("embedded")
  String kind();

  /** Directory of the embedded store; created when absent. */
  @WithDefault(".varco/gateway-store")
  Path dir();
}
