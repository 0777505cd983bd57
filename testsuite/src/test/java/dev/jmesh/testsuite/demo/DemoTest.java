package dev.jmesh.testsuite.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.MeshPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Runs {@code scripts/demo --auto --no-build} as a newcomer would (on the jars the build made) and
 * checks each step's effect in the numbers the demo itself prints: it writes every table, taken
 * from the agents' and mesh-proxy's {@code istio_requests_total} and {@code
 * istio_request_duration_milliseconds_bucket} (reporter destination), as one JSON line to {@code
 * DEMO_RESULTS}. The demo's services listen on port 9080 of 127.0.0.11–16, the control plane on
 * 15012 and 15014 of 127.0.0.10: fixed ports no other test binds on the host (the suite runs two
 * classes at a time; the others bind ephemeral ports, some on 127.0.0.11–13, or fixed ones inside
 * network namespaces of their own). Every process it starts ends with it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoTest {

  /** The demo takes about 2.5 minutes on a loaded 2-core machine; most of it is JVM start-up. */
  private static final Duration BOUND = Duration.ofMinutes(8);

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private Process demo;
  private int exitCode;
  private String output;
  private final List<Map<String, Object>> steps = new ArrayList<>();

  @BeforeAll
  void runTheDemo() throws Exception {
    work = Files.createTempDirectory("jmesh-demo-test");
    Path results = work.resolve("results.jsonl");
    Path log = work.resolve("demo.log");
    ProcessBuilder builder =
        new ProcessBuilder("bash", "scripts/demo", "--auto", "--no-build")
            .directory(MeshPaths.root().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    // The demo sets what each of its JVMs needs; nothing of the test's JVM may leak into them.
    builder
        .environment()
        .keySet()
        .removeIf(k -> k.startsWith("MESH_") || k.equals("JAVA_TOOL_OPTIONS"));
    builder.environment().put("DEMO_RESULTS", results.toString());
    demo = builder.start();
    boolean ended = demo.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS);
    output = Files.readString(log);
    System.out.println("[demo] scripts/demo --auto output:\n" + output);
    assertThat(ended).as("scripts/demo --auto ended within " + BOUND).isTrue();
    exitCode = demo.exitValue();
    if (Files.exists(results)) {
      Load json = new Load(LoadSettings.builder().build());
      for (String line : Files.readAllLines(results)) {
        @SuppressWarnings("unchecked")
        Map<String, Object> step = (Map<String, Object>) json.loadFromString(line);
        steps.add(step);
      }
    }
  }

  @AfterAll
  void stop() throws IOException, InterruptedException {
    if (demo != null && demo.isAlive()) {
      // SIGTERM: the script's trap stops everything it started; the rest is a fallback.
      demo.destroy();
      demo.waitFor(30, TimeUnit.SECONDS);
      demo.descendants().forEach(ProcessHandle::destroyForcibly);
      demo.destroyForcibly();
    }
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void theDemoRunsToTheEndAndPrintsTheTimeToItsFirstTable() {
    assertThat(exitCode).as(output).isZero();
    assertThat(output).containsPattern("first table \\d+ s after scripts/demo started");
  }

  @Test
  void withoutRoutesReviewsRoundRobinsOverAllThreeVersions() {
    assertThat(requests("start", "reviews", "v1")).isPositive();
    assertThat(requests("start", "reviews", "v2")).isPositive();
    assertThat(requests("start", "reviews", "v3")).isPositive();
  }

  @Test
  void allV1SendsEveryReviewToV1() {
    assertThat(requests("all-v1", "reviews", "v1")).isEqualTo(60);
    assertThat(versions("all-v1", "reviews")).containsExactly("v1");
    assertThat(errors("all-v1")).isZero();
  }

  @Test
  void theEightyTwentySplitIsWithinBounds() {
    long v1 = requests("split-80-20", "reviews", "v1");
    long v2 = requests("split-80-20", "reviews", "v2");
    assertThat(versions("split-80-20", "reviews")).containsOnly("v1", "v2");
    assertThat(v1 + v2).isEqualTo(100);
    // Binomial(100, 0.2): sigma = 4; 4 sigma either side of 20.
    assertThat(v2).isBetween(4L, 36L);
  }

  @Test
  void jasonAlwaysGetsV2AndEveryoneElseV3() {
    assertThat(versions("jason", "reviews")).containsExactly("v2");
    assertThat(requests("jason", "reviews", "v2")).isEqualTo(30);
    assertThat(versions("others", "reviews")).containsExactly("v3");
    assertThat(requests("others", "reviews", "v3")).isEqualTo(30);
  }

  @Test
  void theRatingsDelayShowsInReviewsV2sP99Only() {
    // jason's 8 requests reach v2, whose call to ratings the mesh delays 2 s; v3 is not delayed.
    assertThat(requests("delay", "reviews", "v2")).isEqualTo(8);
    assertThat(p99("delay", "reviews", "v2")).isGreaterThanOrEqualTo(2000);
    assertThat(p99("delay", "reviews", "v3")).isLessThan(2000);
    assertThat(errors("delay")).isZero();
  }

  @Test
  void strictRefusesPlaintextWhileMeshedCallsStillSucceed() {
    Map<String, Object> plaintext = note("strict-plaintext");
    assertThat(plaintext.get("details")).as(plaintext.toString()).isEqualTo("refused");
    // productpage is PERMISSIVE: the demo's own plaintext requests still reach it.
    assertThat(plaintext.get("productpage")).as(plaintext.toString()).isEqualTo("200");
    assertThat(requests("strict", "details", "v1")).isEqualTo(30);
    assertThat(errors("strict")).isZero();
  }

  @Test
  void theDeniedCallerGets403FromDetailsAndReviewsIsUnaffected() {
    assertThat(codes("deny", "details", "v1")).containsExactly(Map.entry("403", 30));
    assertThat(row("deny", "reviews", "v3").get("errors")).isEqualTo(0);
  }

  // --- the demo's JSON lines ---

  /** A result of the demo that is not a table (what curl got). */
  private Map<String, Object> note(String id) {
    Optional<Map<String, Object>> note =
        steps.stream().filter(s -> id.equals(s.get("step"))).reduce((a, b) -> b);
    assertThat(note).as("step " + id + " in the demo's results; output:\n" + output).isPresent();
    return note.get();
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> rows(String id) {
    return steps.stream()
        .filter(s -> id.equals(s.get("step")) && s.containsKey("rows"))
        .map(s -> (List<Map<String, Object>>) s.get("rows"))
        .reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no table for step " + id + ":\n" + output));
  }

  private Map<String, Object> row(String id, String service, String version) {
    return rows(id).stream()
        .filter(r -> service.equals(r.get("service")) && version.equals(r.get("version")))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError(id + ": no row " + service + " " + version + ": " + rows(id)));
  }

  private long requests(String id, String service, String version) {
    return ((Number) row(id, service, version).get("requests")).longValue();
  }

  private double p99(String id, String service, String version) {
    return ((Number) row(id, service, version).get("p99Ms")).doubleValue();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> codes(String id, String service, String version) {
    return (Map<String, Object>) row(id, service, version).get("codes");
  }

  private List<String> versions(String id, String service) {
    return rows(id).stream()
        .filter(r -> service.equals(r.get("service")))
        .map(r -> (String) r.get("version"))
        .toList();
  }

  private long errors(String id) {
    return rows(id).stream().mapToLong(r -> ((Number) r.get("errors")).longValue()).sum();
  }
}
