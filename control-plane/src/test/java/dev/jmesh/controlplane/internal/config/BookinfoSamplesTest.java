package dev.jmesh.controlplane.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.config.DestinationRule;
import dev.jmesh.controlplane.config.VirtualService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Istio's own bookinfo samples, unchanged, load with no error (as each is applied in turn). */
class BookinfoSamplesTest {

  static Stream<String> samples() throws IOException {
    try (Stream<Path> files = Files.list(TestMesh.BOOKINFO_SAMPLES)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("samples")
  void sampleLoadsWithoutErrors(String sample, @TempDir Path dir) throws IOException {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    if (!sample.startsWith("destination-rule")) {
      TestMesh.write(dir, "destination-rules.yaml",
          Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all.yaml")));
    }
    TestMesh.write(dir, "sample.yaml", Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve(sample)));

    MeshSnapshot snapshot = TestMesh.load(dir);

    assertThat(snapshot.diagnostics()).isEmpty();
    assertThat(snapshot.registry().services()).hasSize(4);
    assertThat(snapshot.destinationRules()).hasSize(4);
    if (sample.startsWith("virtual-service")) {
      assertThat(snapshot.virtualServices()).isNotEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("samples")
  void percentAndPercentageBothRead(String sample, @TempDir Path dir) throws IOException {
    if (!sample.contains("test-abort") && !sample.contains("test-delay")) {
      return;
    }
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all-mtls.yaml")));
    TestMesh.write(dir, "vs.yaml", Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve(sample)));
    MeshSnapshot snapshot = TestMesh.load(dir);
    VirtualService ratings = snapshot.virtualServices().get(0);
    VirtualService.Fault fault = ratings.http().get(0).fault();
    if (sample.contains("abort")) {
      assertThat(fault.abort().httpStatus()).isEqualTo(500);
      assertThat(fault.abort().percentage()).isEqualTo(100.0);
    } else {
      assertThat(fault.delay().fixedDelay()).hasSeconds(7);
      assertThat(fault.delay().percentage()).isEqualTo(100.0);
    }
    DestinationRule dr = snapshot.destinationRules().get(0);
    assertThat(dr.trafficPolicy().tls().mode()).isEqualTo("ISTIO_MUTUAL");
  }
}
