package dev.varco.gateway.api;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Lets one JSON string be as long as the whole body may be. Jackson refuses strings over 20
 * million characters by default, below what the body and image limits allow (a 20 MiB image is a
 * 28-million-character data URL): such a request failed as "not valid JSON" instead of reaching
 * the checks that name the real limit ({@value BodyLimit#CONFIG_KEY},
 * {@code varco.gateway.max-image-bytes}).
 */
@Singleton
public class JsonStringLimit implements ObjectMapperCustomizer {
  @ConfigProperty(name = BodyLimit.CONFIG_KEY)
  long maxBodyBytes;

  @Override
  public void customize(ObjectMapper mapper) {
    StreamReadConstraints defaults = mapper.getFactory().streamReadConstraints();
    int longest = (int) Math.min(Integer.MAX_VALUE, Math.max(defaults.getMaxStringLength(), maxBodyBytes));
    mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxStringLength(longest)
        .maxNumberLength(defaults.getMaxNumberLength())
        .maxNestingDepth(defaults.getMaxNestingDepth())
        .maxDocumentLength(defaults.getMaxDocumentLength())
        .maxNameLength(defaults.getMaxNameLength())
        .build());
  }
}
