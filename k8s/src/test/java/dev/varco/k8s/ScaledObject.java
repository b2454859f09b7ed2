package dev.varco.k8s;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/**
 * KEDA's ScaledObject (keda.sh/v1alpha1), limited to the fields KEDA documents that these
 * manifests may use: read strictly like the fabric8 kinds, so a misspelt field fails.
 */
record ScaledObject(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {

  record Spec(Target scaleTargetRef, Integer minReplicaCount, Integer maxReplicaCount, Integer cooldownPeriod,
      Integer pollingInterval, List<Trigger> triggers) {}

  record Target(String apiVersion, String kind, String name) {}

  /** {@code metadata} holds the scaler's settings (for prometheus: serverAddress, query, threshold). */
  record Trigger(String type, Map<String, String> metadata) {}
}
