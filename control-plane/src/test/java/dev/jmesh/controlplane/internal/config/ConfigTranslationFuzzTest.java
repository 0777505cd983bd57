package dev.jmesh.controlplane.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.jmesh.controlplane.config.ConfigSource;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.config.MeshConfig;
import dev.jmesh.testing.fuzz.MutationFuzz;
import dev.jmesh.controlplane.internal.xds.ProxyNode;
import dev.jmesh.controlplane.internal.xds.XdsTranslator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes YAML to xDS: a file's bytes are read as a config file and as {@code mesh.yaml} beside
 * bookinfo's services, validated, and translated for a proxy that has inbound listeners. Whatever
 * the bytes, a bad file ends in diagnostics (the documented config error), never in an exception
 * out of parsing, validation or translation. Seeds: {@code src/test/resources/fuzz/config/}. A
 * longer run: {@code mvn -o test -pl control-plane -Dtest=ConfigTranslationFuzzTest
 * -Dfuzz.seconds=600}.
 */
class ConfigTranslationFuzzTest {

  private static final ProxyNode PRODUCTPAGE =
      new ProxyNode(
          "productpage-v1",
          "default",
          Map.of("app", "productpage", "version", "v1"),
          List.of("127.0.0.11"),
          "",
          ProxyNode.JMESH_AGENT);
  private static final ProxyNode REVIEWS =
      new ProxyNode("reviews-v2", "default", Map.of("app", "reviews", "version", "v2"));

  private static final String[] DICTIONARY = {
    "apiVersion: networking.istio.io/v1\n", "apiVersion: security.istio.io/v1\n",
    "apiVersion: telemetry.istio.io/v1\n", "kind: VirtualService\n", "kind: DestinationRule\n",
    "kind: ServiceEntry\n", "kind: WorkloadEntry\n", "kind: Sidecar\n", "kind: EnvoyFilter\n",
    "kind: AuthorizationPolicy\n", "kind: PeerAuthentication\n", "kind: RequestAuthentication\n",
    "kind: Telemetry\n", "kind: Service\n", "metadata:\n  name: reviews\n", "---\n", "\n  - ",
    "host: reviews", "subset: v1", "weight: ", "port: ", "number: ", "timeout: ", "1s", "-1",
    "0", "4294967296", "9223372036854775808", "1e309", "NaN", ".inf", "~", "null", "true", "[]",
    "{}", "\"\"", "*", "/", "regex: ", "(", "[a-", "prefix: ", "exact: ", "headers:", "mode: ",
    "STRICT", "PERMISSIVE", "DISABLE", "ISTIO_MUTUAL", "DENY", "ALLOW", "CUSTOM", "from:", "to:",
    "when:", "principals:", "paths:", "match:", "route:", "retries:", "fault:", "mirror:",
    "corsPolicy:", "trafficPolicy:", "loadBalancer:", "consistentHash:", "outlierDetection:",
    "connectionPool:", "tls:", "subsets:", "labels:", "selector:", "hosts:", "exportTo:",
    "egress:", "ingress:", "resolution: DNS", "endpoints:", "address: ", "127.0.0.1", "::1",
    "10.0.0.0/8", "jwtRules:", "issuer: ", "jwks: ", "trustDomain: ", "outboundTrafficPolicy:",
    "extensionProviders:", "&a ", "*a", "!!str ", "<<: ", "%", "\t", "\u00e9", "\ud83d\ude00"
  };

  @Test
  void configFilesNeverThrowOutOfParsingValidationOrTranslation() {
    ConfigSource.Contents services =
        contents(ResourceParser.parseResources(
            "services.yaml", TestMesh.resource("bookinfo/services.yaml")), null);
    MutationFuzz fuzz = MutationFuzz.corpus("config").dictionary(DICTIONARY).maxLength(16 * 1024).defaultSeconds(1);
    double seconds = Double.parseDouble(System.getProperty("fuzz.seconds", "2"));
    MutationFuzz.Result result =
        assertTimeoutPreemptively(
            Duration.ofSeconds((long) seconds + 60),
            () -> fuzz.run(input -> translateAll(input, services)));
    assertThat(result.mutations()).isPositive();
  }

  private static void translateAll(byte[] input, ConfigSource.Contents services) {
    String text;
    try {
      text = ConfigFileText.decode(input);
    } catch (ConfigFileText.Refused e) {
      assertThat(e.getMessage()).startsWith("is not UTF-8 text");
      return;
    }
    List<Diagnostic> meshDiagnostics = new ArrayList<>();
    MeshConfig mesh = ResourceParser.parseMeshConfig("mesh.yaml", text, meshDiagnostics);
    ResourceParser.FileContents file = ResourceParser.parseResources("fuzz.yaml", text);
    // A YAML library failure is refused like a bad file in production; here it is a finding.
    for (Diagnostic d : file.diagnostics()) {
      assertThat(d.message()).doesNotContain("the YAML reader failed");
    }
    for (Diagnostic d : meshDiagnostics) {
      assertThat(d.message()).doesNotContain("the YAML reader failed");
    }
    if (!file.readable()) {
      assertThat(file.diagnostics()).singleElement().satisfies(d -> assertThat(d.isError()).isTrue());
    }
    MeshSnapshot snapshot =
        new ConfigStore().apply(List.of(
            new ConfigSource.Contents(mesh, List.of(), meshDiagnostics),
            services,
            contents(file, null)));
    XdsTranslator.translate(snapshot, PRODUCTPAGE);
    XdsTranslator.translate(snapshot, REVIEWS);
  }

  private static ConfigSource.Contents contents(ResourceParser.FileContents file, MeshConfig mesh) {
    return new ConfigSource.Contents(mesh, file.resources(), file.diagnostics());
  }
}
