package dev.varco.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every metric an autoscaler names is one the scaled service really exports, as a gauge: through
 * the Prometheus Adapter rules for the HPAs, straight in the PromQL of the KEDA ScaledObjects.
 */
class AutoscalingTest {
  private static final Pattern PROMQL_METRIC = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{");

  @Test
  void theExportedNamesAreVllmsAndTheSignalsAreGauges() {
    Map<String, String> llm = ExportedMetrics.of("llm-service");
    assertEquals("gauge", llm.get("vllm:num_requests_waiting"), llm.toString());
    assertEquals("gauge", llm.get("vllm:kv_cache_usage_perc"), llm.toString());
    assertEquals("counter", llm.get("vllm:generation_tokens_total"), llm.toString());
    assertEquals("gauge", ExportedMetrics.of("vision-service").get("varco_vision_num_requests_waiting"));
  }

  @Test
  void eachHpaMetricIsServedByAnAdapterRuleOverAnExportedGauge() throws Exception {
    for (String variant : List.of("cpu", "gpu")) {
      Rendered rendered = ManifestsTest.rendered(variant);
      JsonNode rules = StrictModel.YAML.readTree(rendered.named(ConfigMap.class, "prometheus-adapter-rules").getData().get("config.yaml"))
          .path("rules");
      assertFalse(rules.isEmpty());
      List<HorizontalPodAutoscaler> hpas = rendered.all(HorizontalPodAutoscaler.class);
      // The gpu overlay's llm-service coordinates tensor-parallel shards: one replica, not autoscaled.
      assertEquals(variant.equals("gpu") ? Set.of("vision-service") : Set.of("llm-service", "vision-service"),
          Set.copyOf(hpas.stream().map(h -> h.getSpec().getScaleTargetRef().getName()).toList()));
      for (HorizontalPodAutoscaler hpa : hpas) {
        String target = hpa.getSpec().getScaleTargetRef().getName();
        Map<String, String> exported = ExportedMetrics.of(target);
        assertTrue(hpa.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds() >= 300,
            target + " shrinks slowly (KV caches are lost with a replica)");
        for (MetricSpec metric : hpa.getSpec().getMetrics()) {
          assertEquals("Pods", metric.getType(), "per-pod serving signals, not CPU");
          String name = metric.getPods().getMetric().getName();
          String series = seriesServedAs(rules, name)
              .orElseThrow(() -> new AssertionError(variant + ": no adapter rule serves " + name));
          assertEquals("gauge", exported.get(series), target + " exports " + series + " (HPA " + name + ")");
        }
      }
    }
  }

  @Test
  void theKedaAlternativeReplacesTheHpasAndQueriesExportedGauges() {
    Rendered rendered = ManifestsTest.rendered("cpu+keda");
    assertTrue(rendered.all(HorizontalPodAutoscaler.class).isEmpty(), "KEDA owns the HPAs it creates");
    List<ScaledObject> scaled = rendered.all(ScaledObject.class);
    assertEquals(Set.of("llm-service", "vision-service"), Set.copyOf(scaled.stream().map(s -> s.spec().scaleTargetRef().name()).toList()));
    for (ScaledObject object : scaled) {
      var ref = object.spec().scaleTargetRef();
      assertEquals(ref.kind(), rendered.workload(ref.name()).kind(), object.metadata().getName());
      Map<String, String> exported = ExportedMetrics.of(ref.name());
      assertFalse(object.spec().triggers().isEmpty());
      for (ScaledObject.Trigger trigger : object.spec().triggers()) {
        assertEquals("prometheus", trigger.type());
        String query = trigger.metadata().get("query");
        assertTrue(query.contains("namespace=\"varco\"") && query.contains("pod=~\"" + ref.name() + "-"), query);
        Double.parseDouble(trigger.metadata().get("threshold"));
        List<String> metrics = new ArrayList<>();
        Matcher matcher = PROMQL_METRIC.matcher(query);
        while (matcher.find()) {
          metrics.add(matcher.group(1));
        }
        assertFalse(metrics.isEmpty(), query);
        metrics.forEach(m -> assertEquals("gauge", exported.get(m), ref.name() + " exports " + m));
      }
    }
  }

  /** The series a Prometheus Adapter rule publishes under {@code name} (its name.matches/as applied to its seriesQuery). */
  private static Optional<String> seriesServedAs(JsonNode rules, String name) {
    for (JsonNode rule : rules) {
      String seriesQuery = rule.path("seriesQuery").asText();
      String series = seriesQuery.substring(0, seriesQuery.indexOf('{'));
      Matcher matcher = Pattern.compile(rule.path("name").path("matches").asText()).matcher(series);
      if (matcher.matches()) {
        String servedAs = matcher.replaceAll(rule.path("name").path("as").asText().replaceAll("\\$\\{(\\d+)}", "\\$$1"));
        if (servedAs.equals(name)) {
          return Optional.of(series);
        }
      }
    }
    return Optional.empty();
  }
}
