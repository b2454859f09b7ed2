package dev.varco.vision.api;

import dev.varco.vision.engine.ImageEmbedding;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * One INFO line per answered Encode, this service's access log. It names the caller's request id
 * (llm-service passes on the gateway's X-Request-Id), so one id finds a turn in every service's
 * log; the id is also in the MDC as {@code request_id}, for structured (JSON) log handlers.
 */
final class EncodeLog {
  private static final String MDC_KEY = "request_id";
  private static final Logger LOG = Logger.getLogger(EncodeLog.class);

  private EncodeLog() {}

  static void encoded(String requestId, String sha256, ImageEmbedding embedding, long startNanos) {
    MDC.put(MDC_KEY, requestId);
    try {
      LOG.infof("request %s encoded image %s (%dx%d, %d tiles): %d rows x %d in %d ms", requestId, sha256.substring(0, 12),
          embedding.imageWidth(), embedding.imageHeight(), embedding.gridTileCount() + 1, embedding.tokenCount(),
          embedding.hiddenSize(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    } finally {
      MDC.remove(MDC_KEY);
    }
  }
}
