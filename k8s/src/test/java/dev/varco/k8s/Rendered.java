package dev.varco.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The objects one kustomization renders to, each parsed strictly ({@link StrictModel}). */
record Rendered(String name, List<Object> objects) {

  /** A pod-running object: Deployment, StatefulSet or Job. */
  record Workload(String kind, String name, LabelSelector selector, PodTemplateSpec template) {
    boolean serves() {
      return !"Job".equals(kind);
    }
  }

  /** What the manifests are checked as: the two overlays, and the cpu overlay with the KEDA component. */
  static final List<String> VARIANTS = List.of("cpu", "gpu", "cpu+keda");

  static Rendered of(String variant) {
    Path dir = switch (variant) {
      case "cpu", "gpu" -> Kustomize.K8S.resolve("overlays").resolve(variant);
      case "cpu+keda" -> kedaOverlay();
      default -> throw new IllegalArgumentException(variant);
    };
    return parse(variant, Kustomize.render(dir));
  }

  static Rendered parse(String name, String yaml) {
    List<Object> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = StrictModel.YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && !doc.isEmpty()) {
          objects.add(StrictModel.parse(doc));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Rendered(name, List.copyOf(objects));
  }

  /** An overlay of the cpu overlay with components/keda, written under target/ (kustomize wants relative paths). */
  private static Path kedaOverlay() {
    Path dir = Kustomize.K8S.resolve("target/keda-overlay");
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("kustomization.yaml"), """
          apiVersion: kustomize.config.k8s.io/v1beta1
          kind: Kustomization
          namespace: varco
          resources:
            - ../../overlays/cpu
          components:
            - ../../components/keda
          """);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  <T> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
  }

  <T extends HasMetadata> T named(Class<T> type, String name) {
    return find(type, name).orElseThrow(() -> new AssertionError(this.name + ": no " + type.getSimpleName() + " " + name));
  }

  List<Workload> workloads() {
    List<Workload> workloads = new ArrayList<>();
    all(Deployment.class).forEach(d -> workloads.add(new Workload("Deployment", d.getMetadata().getName(),
        d.getSpec().getSelector(), d.getSpec().getTemplate())));
    all(StatefulSet.class).forEach(s -> workloads.add(new Workload("StatefulSet", s.getMetadata().getName(),
        s.getSpec().getSelector(), s.getSpec().getTemplate())));
    all(Job.class).forEach(j -> workloads.add(new Workload("Job", j.getMetadata().getName(),
        j.getSpec().getSelector(), j.getSpec().getTemplate())));
    return workloads;
  }

  Workload workload(String name) {
    return workloads().stream().filter(w -> w.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(this.name + ": no workload " + name));
  }

  /** The serving workloads whose pod labels all of {@code selector} matches (matchLabels only, as used here). */
  List<Workload> selectedBy(Map<String, String> selector) {
    if (selector == null || selector.isEmpty()) {
      return workloads();
    }
    return workloads().stream().filter(w -> w.template().getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
        .toList();
  }

  @Override
  public String toString() {
    return name;
  }
}
