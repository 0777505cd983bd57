package dev.jmesh.controlplane.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.config.VirtualService;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation with located errors and the last-good rule. */
class ConfigStoreTest {
  @TempDir Path root;
  Path dir;
  final ConfigStore store = new ConfigStore();

  static final String REVIEWS_VS_V1 = String.join("\n",
      "apiVersion: networking.istio.io/v1",
      "kind: VirtualService",
      "metadata:",
      "  name: reviews",
      "spec:",
      "  hosts:",
      "  - reviews",
      "  http:",
      "  - route:",
      "    - destination:",
      "        host: reviews",
      "        subset: v1",
      "");

  @BeforeEach
  void setUp() throws Exception {
    // Relative paths as a user would type them: errors name "mesh-config/reviews.yaml".
    dir = root.resolve("mesh-config");
    Files.createDirectories(dir);
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all.yaml")));
  }

  private MeshSnapshot load() {
    return TestMesh.load(store, dir);
  }

  @Test
  void undefinedSubsetIsReportedWithFileLineKindNameAndFix() {
    TestMesh.write(dir, "reviews.yaml", REVIEWS_VS_V1.replace("subset: v1", "subset: v4"));

    MeshSnapshot snapshot = load();

    assertThat(TestMesh.errors(snapshot)).containsExactly(
        dir.resolve("reviews.yaml") + ":12: VirtualService reviews: subset v4 is not defined by"
            + " any DestinationRule for host reviews; DestinationRule reviews defines v1, v2, v3");
    assertThat(snapshot.virtualServices()).isEmpty();
  }

  @Test
  void badResourceIsRejectedAloneAndItsLastGoodVersionStays() {
    TestMesh.write(dir, "reviews.yaml", REVIEWS_VS_V1);
    MeshSnapshot good = load();
    assertThat(good.virtualServices()).hasSize(1);
    long goodVersion = good.version();

    TestMesh.write(dir, "reviews.yaml", REVIEWS_VS_V1.replace("subset: v1", "subset: v4"));
    TestMesh.write(dir, "ratings.yaml", REVIEWS_VS_V1.replace("reviews", "ratings"));
    MeshSnapshot next = load();

    assertThat(TestMesh.errors(next)).singleElement().asString()
        .contains("subset v4").endsWith("(rejected; the last good version stays in force)");
    assertThat(next.virtualServices()).extracting(VirtualService::name)
        .containsExactly("ratings", "reviews");
    VirtualService reviews = next.virtualServices().get(1);
    assertThat(reviews.http().get(0).route().get(0).destination().subset()).isEqualTo("v1");
    assertThat(next.version()).isEqualTo(goodVersion + 1);
  }

  @Test
  void structurallyBrokenResourceKeepsLastGoodVersion() {
    TestMesh.write(dir, "reviews.yaml", REVIEWS_VS_V1);
    load();
    TestMesh.write(dir, "reviews.yaml", REVIEWS_VS_V1.replace("        subset: v1",
        "        subset: v1\n      weight: -5"));

    MeshSnapshot next = load();

    assertThat(TestMesh.errors(next)).singleElement().asString()
        .startsWith(dir.resolve("reviews.yaml") + ":13: VirtualService reviews: http.route.weight:"
            + " must not be negative");
    assertThat(next.virtualServices()).hasSize(1);
  }

  @Test
  void fileThatIsNotYamlIsReportedAndKeepsWhatItHeld() {
    TestMesh.write(dir, "reviews.yaml", REVIEWS_VS_V1);
    load();
    TestMesh.write(dir, "reviews.yaml", "this: is: not: yaml: [\n");

    MeshSnapshot next = load();

    assertThat(TestMesh.errors(next)).singleElement().asString()
        .startsWith(dir.resolve("reviews.yaml") + ":1: not valid YAML");
    assertThat(next.virtualServices()).hasSize(1);
    assertThat(next.registry().services()).hasSize(4);
  }

  @Test
  void removingAResourceRemovesIt() throws Exception {
    TestMesh.write(dir, "reviews.yaml", REVIEWS_VS_V1);
    load();
    Files.delete(dir.resolve("reviews.yaml"));
    assertThat(load().virtualServices()).isEmpty();
  }

  @Test
  void unknownHostIsAnError() {
    TestMesh.write(dir, "reviews.yaml", REVIEWS_VS_V1.replace("host: reviews", "host: reveiws"));
    assertThat(TestMesh.errors(load())).singleElement().asString()
        .contains("VirtualService reviews: host reveiws is not defined by any ServiceEntry or"
            + " Service (looked for reveiws.default.svc.cluster.local)");
  }

  @Test
  void conflictingResourcesAreReported() {
    TestMesh.write(dir, "reviews.yaml", REVIEWS_VS_V1);
    TestMesh.write(dir, "reviews2.yaml", REVIEWS_VS_V1.replace("name: reviews", "name: reviews2"));
    assertThat(TestMesh.errors(load())).singleElement().asString()
        .contains("VirtualService reviews2: host reviews is already routed by VirtualService"
            + " reviews");
  }

  @Test
  void versionChangesOnlyWhenConfigChanges() {
    long v1 = load().version();
    assertThat(load().version()).isEqualTo(v1);
    TestMesh.write(dir, "reviews.yaml", REVIEWS_VS_V1);
    assertThat(load().version()).isEqualTo(v1 + 1);
  }

  @Test
  void unsupportedKindIsAWarningNotAnError() {
    TestMesh.write(dir, "gw.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\n"
        + "metadata:\n  name: gw\nspec: {}\n");
    MeshSnapshot snapshot = load();
    assertThat(TestMesh.errors(snapshot)).isEmpty();
    assertThat(snapshot.diagnostics()).singleElement().asString()
        .contains("warning: Gateway gw: Gateway is not supported yet");
  }

  @Test
  void unsupportedApiVersionIsAnError() {
    TestMesh.write(dir, "x.yaml", REVIEWS_VS_V1.replace("networking.istio.io/v1",
        "networking.istio.io/v2"));
    assertThat(TestMesh.errors(load())).singleElement().asString()
        .contains(":1: VirtualService reviews: apiVersion networking.istio.io/v2 is not supported");
  }

  @Test
  void meshConfigIsRead() {
    TestMesh.write(dir, "mesh.yaml", String.join("\n",
        "trustDomain: example.org",
        "outboundTrafficPolicy:",
        "  mode: REGISTRY_ONLY",
        "defaultConfig:",
        "  discoveryAddress: localhost:15012",
        "  proxyMetadata:",
        "    ISTIO_META_DNS_CAPTURE: \"true\"",
        "extensionProviders:",
        "- name: otel",
        "  opentelemetry:",
        "    service: otel-collector.observability.svc.cluster.local",
        "    port: 4317",
        "- name: log",
        "  envoyFileAccessLog:",
        "    path: /dev/stdout",
        ""));
    MeshSnapshot snapshot = load();
    assertThat(snapshot.diagnostics()).isEmpty();
    assertThat(snapshot.meshConfig().trustDomain()).isEqualTo("example.org");
    assertThat(snapshot.meshConfig().rootNamespace()).isEqualTo("istio-system");
    assertThat(snapshot.meshConfig().outboundTrafficPolicy().name()).isEqualTo("REGISTRY_ONLY");
    assertThat(snapshot.meshConfig().defaultConfig().proxyMetadata())
        .containsEntry("ISTIO_META_DNS_CAPTURE", "true");
    assertThat(snapshot.meshConfig().extensionProviders()).hasSize(2);
    assertThat(snapshot.meshConfig().extensionProviders().get(0).settings())
        .containsEntry("port", "4317");
  }

  @Test
  void brokenMeshConfigKeepsTheLastGoodOne() {
    TestMesh.write(dir, "mesh.yaml", "trustDomain: example.org\n");
    load();
    TestMesh.write(dir, "mesh.yaml", "trustDomain: example.org\noutboundTrafficPolicy:\n"
        + "  mode: SOMETIMES\n");
    MeshSnapshot next = load();
    assertThat(TestMesh.errors(next)).singleElement().asString()
        .contains("mesh.yaml:3: MeshConfig: outboundTrafficPolicy.mode: 'SOMETIMES' is not one of");
    assertThat(next.meshConfig().trustDomain()).isEqualTo("example.org");
  }

  @Test
  void telemetryProvidersMustBeDefinedInMeshConfig() {
    TestMesh.write(dir, "mesh.yaml", "extensionProviders:\n- name: otel\n  opentelemetry:\n"
        + "    service: otel.observability.svc.cluster.local\n    port: 4317\n");
    TestMesh.write(dir, "telemetry.yaml", String.join("\n",
        "apiVersion: telemetry.istio.io/v1",
        "kind: Telemetry",
        "metadata: {name: mesh-default, namespace: istio-system}",
        "spec:",
        "  tracing:",
        "  - providers: [{name: otel}]",
        "  accessLogging:",
        "  - providers: [{name: zipkin}]",
        ""));
    assertThat(TestMesh.errors(load())).singleElement().asString().endsWith(
        "telemetry.yaml:8: Telemetry mesh-default: provider zipkin is not defined in mesh.yaml"
            + " extensionProviders (known: envoy, otel, prometheus)");
  }
}
