package dev.jmesh.testsuite.direct;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.Jdk;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testing.PrometheusText;
import dev.jmesh.testsuite.ServiceEntries;
import dev.jmesh.testsuite.engine.ClientDriver;
import dev.jmesh.testsuite.engine.MeshControlPlane;
import dev.jmesh.testsuite.engine.MeshPolicies;
import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What every HTTP client library gets from the mesh, whatever path its requests take: run by one
 * subclass per library, in forked JVMs with the real mesh.jar and the real control plane. Per
 * class: one control plane; the service {@code reviews} (pods v1-a, v1-b, v2-a: {@link Backend}s in
 * this JVM on 127.0.0.11–13, unmeshed); a meshed STRICT-mTLS server {@code ratings} ({@code
 * mesh-servers-app jdk}); an unmeshed {@code outside} server on 127.0.0.1; and the client under
 * test, {@code http-clients-app <library>}, identity {@code sa/client}, whose ONE pooled client
 * serves every test. Each test writes its Istio YAML, waits until a probe request shows that config
 * in force, and restores the base config after itself.
 *
 * <p>Per feature a subclass says whether the library takes the direct path or leaves the request to
 * the engine ({@link #expectedPath}); every behaviour is asserted either way, so the engine's
 * results are the baseline the direct paths must equal. Where the two differ visibly (an overall
 * timeout is the engine's 504 but the library's own timeout exception on the direct path; the
 * direct path counts {@code jmesh_agent_requests_total}, the engine counts captured connections),
 * the assertion follows the path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractMeshedHttpClientTest {

  static final String CLIENT_PRINCIPAL = "spiffe://cluster.local/ns/default/sa/client";
  static final String DIRECT = "direct";
  static final String ENGINE = "engine";
  static final String REQUESTS = MeshedClient.REQUESTS;

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private MeshControlPlane controlPlane;
  private MeshedJvm ratings;
  private int ratingsPort;
  MeshedClient client;
  Backend v1a;
  Backend v1b;
  Backend v2a;
  private Backend outside;
  private List<Backend> pods;

  /** The probe of the config the running test applied, or {@code null}. */
  private String probe;

  /** The library label of {@code jmesh_agent_requests_total}. */
  abstract String library();

  /** {@code http-clients-app}'s argument: the library label unless the app names it otherwise. */
  String app() {
    return library();
  }

  /** Whether the library has an asynchronous API ({@code --async} bursts use it). */
  abstract boolean hasAsync();

  /**
   * The path the library's requests take for {@code feature}: {@code "direct"} once its module
   * handles it in-process, {@code "engine"} otherwise. The capability table, per library.
   */
  abstract String expectedPath(Feature feature);

  /**
   * The exception classes (a regex of their names) the library's users catch for a timeout, which
   * the direct path must throw for an overall timeout.
   */
  abstract String timeoutException();

  /** The JDK the client and server JVMs run on. */
  Jdk jdk() {
    return Jdk.JDK17;
  }

  /** A pod of {@code reviews} (and the {@code outside} server): HTTP/1.1 unless overridden. */
  Backend startBackend(String pod, String ip) throws Exception {
    return Backend.start(pod, ip);
  }

  /** The name of the service ports (Istio's protocol selection). */
  String portName() {
    return "http";
  }

  /** The status of the probe route's abort, which the client must be able to tell apart. */
  int probeStatus() {
    return ReviewsPolicies.PROBE_STATUS;
  }

  /** {@code mesh-servers-app}'s kind for the meshed STRICT-mTLS server {@code ratings}. */
  String ratingsKind() {
    return "jdk";
  }

  /**
   * Istio's {@code response_code} of a local reply with HTTP status {@code status}: the status
   * itself, except for gRPC, which Envoy answers with HTTP 200 and a {@code grpc-status}.
   */
  String localReplyCode(int status) {
    return Integer.toString(status);
  }

  /** Istio's {@code request_protocol} label of the library's requests. */
  String requestProtocol() {
    return "http";
  }

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-client-" + library());
    v1a = startBackend("reviews-v1-a", "127.0.0.11");
    v1b = startBackend("reviews-v1-b", "127.0.0.12");
    v2a = startBackend("reviews-v2-a", "127.0.0.13");
    pods = List.of(v1a, v1b, v2a);
    outside = startBackend("outside", "127.0.0.1");
    controlPlane = MeshControlPlane.start(jvms, work);
    controlPlane.apply("reviews", ReviewsPolicies.service(pods, "", portName()));
    ratingsPort = FreePorts.loopback();
    ratings =
        jvms.start(
            MeshedJvm.java("ratings")
                .jdk(jdk())
                .testApp("mesh-servers-app")
                .args(ratingsKind(), "127.0.0.1", Integer.toString(ratingsPort))
                .withAgent()
                .env("MESH_CONTROL_PLANE", controlPlane.address())
                .env("MESH_TOKEN_FILE", controlPlane.token("default", "ratings").toString())
                .env("MESH_LABELS", "app=ratings,version=v1")
                .env("MESH_SERVICE_PORTS", portName() + ":" + ratingsPort));
    // One JVM starting at a time: on two shared cores, two agents starting together can miss the
    // engine's start-up deadline, and a server whose port the engine did not take is not meshed.
    ratings.awaitOutput("READY kind=" + ratingsKind() + " port=\\d+", MeshControlPlane.STARTUP);
    ratings.awaitOutput(
        "the engine took over 127\\.0\\.0\\.1:" + ratingsPort, Duration.ofSeconds(5));
    client = MeshedClient.start(jvms, controlPlane, app(), library(), jdk());
    await().until(() -> send("GET", reviews()).status() == 200);
    await().until(() -> send("GET", ratingsUrl()).status() == 200);
    resetPods();
  }

  /** Puts the base config back, waits until the client no longer sees the test's, resets pods. */
  @AfterEach
  void restoreBaseline() throws IOException {
    if (probe != null && client.jvm().isAlive()) {
      String applied = probe;
      probe = null;
      controlPlane.apply("reviews", ReviewsPolicies.service(pods, "", portName()));
      resetPods();
      await().until(() -> probeStatus(applied) != probeStatus());
    }
    controlPlane.delete("ratings-mtls");
    resetPods();
  }

  @AfterAll
  void stopBackends() throws IOException {
    for (Backend b : new Backend[] {v1a, v1b, v2a, outside}) {
      if (b != null) {
        b.close();
      }
    }
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  // ---- routing ----

  @Test
  void logicalNameRouting() {
    double before = countedOnPath(Feature.ROUTING);
    ClientDriver.Result r = send("GET", reviews());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.body()).startsWith("pod=reviews-");
    assertThat(r.body()).as("the application's authority is kept").contains("host=reviews:9080");
    assertCountedOnPath(Feature.ROUTING, before, 1);
  }

  @Test
  void headerRoute() {
    configure(
        "header-route",
        "",
        ReviewsPolicies.routeTo(
                "v2",
                """
                match:
                - headers:
                    end-user:
                      exact: jason
                """)
            + ReviewsPolicies.routeTo("v1", ""));
    double before = countedOnPath(Feature.HEADER_ROUTE);
    Map<String, Integer> jason = counts(burst(20, 4, "GET", reviews(), "end-user:jason"), "bodies");
    assertThat(jason).containsOnlyKeys("pod=reviews-v2-a");
    Map<String, Integer> others = counts(burst(20, 4, "GET", reviews()), "bodies");
    assertThat(others).doesNotContainKey("pod=reviews-v2-a");
    assertThat(sum(others)).isEqualTo(20);
    assertCountedOnPath(Feature.HEADER_ROUTE, before, 40);
  }

  @Test
  void weightedSplit80to20() {
    configure(
        "split",
        "",
        """
        - route:
          - destination:
              host: reviews
              subset: v1
            weight: 80
          - destination:
              host: reviews
              subset: v2
            weight: 20
        """);
    int n = 1000;
    ClientDriver.Result r = burst(n, 16, "GET", reviews());
    assertThat(r.field("ok")).as(r.toString()).isEqualTo(Integer.toString(n));
    Map<String, Integer> bodies = counts(r, "bodies");
    int v1 =
        bodies.getOrDefault("pod=reviews-v1-a", 0) + bodies.getOrDefault("pod=reviews-v1-b", 0);
    int v2 = bodies.getOrDefault("pod=reviews-v2-a", 0);
    assertThat(v1 + v2).as(r.toString()).isEqualTo(n);
    // Binomial(1000, 0.8): sigma = sqrt(n p q) = 12.6; 4 sigma either side.
    double sigma = Math.sqrt(n * 0.8 * 0.2);
    assertThat((double) v1).as(r.toString()).isBetween(0.8 * n - 4 * sigma, 0.8 * n + 4 * sigma);
    // A pooled connection reused for every request must not defeat the split.
    assertThat(v1a.connections() + v1b.connections() + v2a.connections()).isGreaterThanOrEqualTo(2);
  }

  // ---- resilience ----

  @Test
  void retryOn503ReachesAHealthyEndpoint() {
    v1b.answer(503);
    configure(
        "retry",
        "",
        ReviewsPolicies.routeTo(
            "v1",
            """
            retries:
              attempts: 3
              retryOn: 5xx
            """));
    double before = countedOnPath(Feature.RETRY);
    // Eight in flight: more concurrent retries than Envoy's default retry breaker (3) allows, which
    // the control plane lifts as istiod does, so none comes back a 503 unretried.
    ClientDriver.Result r = burst(40, 8, "GET", reviews());
    assertThat(counts(r, "statuses")).as(r.toString()).containsExactly(Map.entry("200", 40));
    assertThat(counts(r, "bodies")).containsOnlyKeys("pod=reviews-v1-a");
    assertThat(v1b.requests()).as("the failing pod was tried, then retried away from").isPositive();
    assertCountedOnPath(Feature.RETRY, before, 40);
  }

  @Test
  void aBodyThatCannotBeSentTwiceIsRetriedOnlyByTheEngine() {
    v1b.answer(503);
    configure(
        "one-shot",
        "",
        ReviewsPolicies.routeTo(
            "v1",
            """
            retries:
              attempts: 3
              retryOn: 5xx
            """));
    Map<String, Integer> statuses = new LinkedHashMap<>();
    for (int i = 0; i < 10; i++) {
      ClientDriver.Result r = send("POST", reviews(), "--stream-body", "1000");
      assertThat(r.ok()).as(r.toString()).isTrue();
      statuses.merge(Integer.toString(r.status()), 1, Integer::sum);
      // A 503 is the failing pod's own answer passed on, a 200 the healthy pod's: never a mix.
      assertThat(r.body())
          .as(r.toString())
          .startsWith(r.status() == 503 ? "pod=reviews-v1-b" : "pod=reviews-v1-a");
    }
    assertThat(statuses.keySet()).as("statuses").isSubsetOf("200", "503");
    if (DIRECT.equals(expectedPath(Feature.ONE_SHOT_BODY))) {
      // Sent straight from the application's stream, with retries off (as Envoy does past its
      // buffer): the failing pod's 503 reaches the application, once per request it got.
      assertThat(statuses).as("statuses").containsKey("503");
      assertThat(v1b.requests()).isEqualTo(statuses.get("503"));
    } else {
      // The engine resends a body it received whole (Content-Length) and passes a chunked one
      // through unretried, so which the application sees depends on how its library frames a
      // stream; either way the failing pod was tried.
      assertThat(v1b.requests()).isPositive();
    }
  }

  @Test
  void perTryTimeoutMovesOnToAFastEndpoint() {
    v1a.delay(3000);
    configure(
        "per-try",
        "",
        ReviewsPolicies.routeTo(
            "v1",
            """
            timeout: 10s
            retries:
              attempts: 3
              perTryTimeout: 300ms
              retryOn: 5xx,reset,connect-failure
            """));
    // Four in flight, each retried after its per-try timeout (no limit on concurrent retries).
    ClientDriver.Result r = burst(10, 4, "GET", reviews());
    assertThat(counts(r, "statuses")).as(r.toString()).containsExactly(Map.entry("200", 10));
    assertThat(counts(r, "bodies")).containsOnlyKeys("pod=reviews-v1-b");
    // Five waves of at most one 300 ms try each; waiting out the slow pod takes 3 s on its own.
    assertThat(Long.parseLong(r.field("elapsedMs"))).as(r.toString()).isLessThan(2900);
  }

  @Test
  void overallTimeoutEndsTheCallInTime() {
    v1a.delay(5000);
    v1b.delay(5000);
    configure(
        "timeout",
        "",
        ReviewsPolicies.routeTo(
            "v1",
            """
            timeout: 500ms
            retries:
              attempts: 2
              perTryTimeout: 200ms
              retryOn: 5xx
            """));
    long start = System.nanoTime();
    ClientDriver.Result r = client.run("send GET " + reviews(), Duration.ofSeconds(10));
    long elapsedMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
    if (DIRECT.equals(expectedPath(Feature.TIMEOUT))) {
      assertThat(r.ok()).as(r.toString()).isFalse();
      assertThat(r.details()).matches("(" + timeoutException() + "): .*");
    } else {
      assertThat(r.status()).as("the engine answers a timeout with 504: " + r).isEqualTo(504);
    }
    // The 500 ms timeout, not the pods' 5 s: within the timeout and some slack, never a hang.
    assertThat(elapsedMs).as(r.toString()).isBetween(450L, 2000L);
  }

  @Test
  void faultDelayIsATimerNotAThreadPerRequest() {
    configure(
        "delay",
        "",
        ReviewsPolicies.routeTo(
            "v1",
            """
            fault:
              delay:
                fixedDelay: 1s
                percentage:
                  value: 100
            """));
    double before = countedOnPath(Feature.FAULT_DELAY);
    ClientDriver.Result r =
        hasAsync() ? burst(50, 50, "GET", reviews(), "--async") : burst(50, 50, "GET", reviews());
    assertThat(counts(r, "statuses")).as(r.toString()).containsExactly(Map.entry("200", 50));
    long elapsed = Long.parseLong(r.field("elapsedMs"));
    assertThat(elapsed)
        .as("50 delayed requests finish in about one delay: " + r)
        .isBetween(1000L, 1800L);
    assertCountedOnPath(Feature.FAULT_DELAY, before, 50);
  }

  @Test
  void faultAbortIsSeenByTheApplicationAndNoPodIsCalled() {
    configure(
        "abort",
        "",
        ReviewsPolicies.routeTo(
            "v1",
            """
            fault:
              abort:
                httpStatus: 503
                percentage:
                  value: 100
            """));
    ClientDriver.Result r = burst(10, 2, "GET", reviews());
    assertThat(counts(r, "statuses")).as(r.toString()).containsExactly(Map.entry("503", 10));
    assertThat(v1a.requests() + v1b.requests() + v2a.requests()).isZero();
    assertThat(
            clientMetrics()
                .samples(
                    "istio_requests_total",
                    "reporter",
                    "source",
                    "response_code",
                    localReplyCode(503),
                    "response_flags",
                    "FI"))
        .isNotEmpty();
  }

  @Test
  void outlierEjectionKeepsTrafficOffAFailingPod() {
    v1b.answer(500);
    configure(
        "outlier",
        """
        outlierDetection:
          consecutive5xxErrors: 3
          interval: 1s
          baseEjectionTime: 20s
          maxEjectionPercent: 100
        """,
        ReviewsPolicies.routeTo("v1", ""));
    // Sequential requests, so the failing pod's errors are consecutive and it gets ejected.
    await()
        .until(
            () -> {
              int seen = v1b.requests();
              ClientDriver.Result r = burst(10, 1, "GET", reviews());
              return r.ok() && v1b.requests() == seen;
            });
    int seen = v1b.requests();
    ClientDriver.Result r = burst(30, 3, "GET", reviews());
    assertThat(counts(r, "statuses")).as(r.toString()).containsExactly(Map.entry("200", 30));
    assertThat(v1b.requests()).as("the ejected pod gets nothing").isEqualTo(seen);
  }

  @Test
  void circuitBreakerAnswers503WithFlagUO() {
    v1a.delay(500);
    v1b.delay(500);
    configure(
        "breaker",
        """
        connectionPool:
          tcp:
            maxConnections: 1
          http:
            http1MaxPendingRequests: 1
            http2MaxRequests: 1
            maxRequestsPerConnection: 1
        """,
        ReviewsPolicies.routeTo("v1", ""));
    ClientDriver.Result r =
        hasAsync() ? burst(10, 10, "GET", reviews(), "--async") : burst(10, 10, "GET", reviews());
    Map<String, Integer> statuses = counts(r, "statuses");
    assertThat(statuses).as(r.toString()).containsKey("503").containsKey("200");
    assertThat(
            clientMetrics()
                .samples(
                    "istio_requests_total",
                    "reporter",
                    "source",
                    "response_code",
                    localReplyCode(503),
                    "response_flags",
                    "UO"))
        .as("an overflow is recorded with flag UO")
        .isNotEmpty();
  }

  // ---- security and telemetry ----

  @Test
  void strictMtlsToAMeshedServer() throws Exception {
    controlPlane.apply("ratings-mtls", MeshPolicies.peerAuthentication("ratings", "STRICT"));
    // STRICT is in force once a plaintext client is refused.
    await().until(() -> !plaintextAnswered(ratingsPort));
    ClientDriver.Result r = send("GET", ratingsUrl());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.body()).as("the server saw the client's SPIFFE ID").contains(CLIENT_PRINCIPAL);
  }

  @Test
  void recordHasIstioLabels() {
    double before = requestsRecorded("200");
    ClientDriver.Result r = burst(5, 1, "GET", reviews());
    assertThat(counts(r, "statuses")).as(r.toString()).containsExactly(Map.entry("200", 5));
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> requestsRecorded("200") >= before + 5);
    PrometheusText.Sample sample =
        clientMetrics()
            .samples(
                "istio_requests_total",
                "reporter",
                "source",
                "destination_service_name",
                ReviewsPolicies.HOST,
                "response_code",
                "200")
            .get(0);
    assertThat(sample.labels())
        .containsEntry("source_workload", "client")
        .containsEntry("destination_service", ReviewsPolicies.FQDN)
        .containsEntry("request_protocol", requestProtocol())
        .containsKey("response_flags")
        .containsKey("connection_security_policy");
  }

  @Test
  void meshTrafficIsCountedOnItsPath() {
    double counted = countedOnPath(Feature.ROUTING);
    double connections = outboundConnectionsTo(ReviewsPolicies.PORT);
    ClientDriver.Result r = burst(20, 4, "GET", reviews());
    assertThat(counts(r, "statuses")).as(r.toString()).containsExactly(Map.entry("200", 20));
    assertCountedOnPath(Feature.ROUTING, counted, 20);
    if (!DIRECT.equals(expectedPath(Feature.ROUTING))) {
      // The engine path: the library's connections to the service were captured. A pooled client
      // may reuse earlier ones, so the class's total counts, not this burst's.
      assertThat(outboundConnectionsTo(ReviewsPolicies.PORT))
          .as("captured connections to reviews:%d", ReviewsPolicies.PORT)
          .isGreaterThanOrEqualTo(Math.max(1, connections));
    } else {
      // The direct path: no extra hop, so no connection of the burst went to the engine.
      assertThat(outboundConnectionsTo(ReviewsPolicies.PORT))
          .as("connections to reviews:%d captured to the engine", ReviewsPolicies.PORT)
          .isEqualTo(connections);
    }
  }

  @Test
  void unknownHostsAreUntouched() {
    boolean counting = !clientMetrics().samples(REQUESTS, "library", library()).isEmpty();
    double passthrough = pathRequests("passthrough");
    for (String host : new String[] {"127.0.0.1", "localhost"}) {
      ClientDriver.Result r = send("GET", "http://" + host + ":" + outside.port() + "/");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.body()).startsWith("pod=outside");
      assertThat(outside.lastHeaders())
          .as("nothing of the mesh in the request")
          .doesNotContainKeys("x-request-id", "x-forwarded-client-cert", "x-envoy-attempt-count");
    }
    assertThat(outside.requests()).isEqualTo(2);
    if (counting || DIRECT.equals(expectedPath(Feature.ROUTING))) {
      assertThat(pathRequests("passthrough")).isGreaterThanOrEqualTo(passthrough + 2);
    }
  }

  @Test
  void aServiceEntryWithoutAddressesIsReachedWhereItsNameResolves() throws Exception {
    // resolution: NONE: the name gets no virtual address (Istio's DNS proxy allocates none), so
    // the application's own lookup finds the server, and the route sends the request there.
    String url = "http://localhost:" + outside.port() + "/";
    double before = requestsRecorded("localhost", "200");
    controlPlane.apply(
        "outside-by-name", ServiceEntries.resolvedByName("localhost", outside.port(), portName()));
    try {
      await().until(() -> send("GET", url).status() == 200 && meshTouched(outside));
      ClientDriver.Result r = send("GET", url);
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.body()).startsWith("pod=outside");
      assertThat(meshTouched(outside)).as("the mesh routed it: %s", outside.lastHeaders()).isTrue();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(requestsRecorded("localhost", "200"))
                      .as("istio_requests_total to the ServiceEntry's host")
                      .isGreaterThanOrEqualTo(before + 2));
    } finally {
      controlPlane.delete("outside-by-name");
      // Other tests call localhost unmeshed: wait until the client no longer routes it.
      await().until(() -> send("GET", url).status() == 200 && !meshTouched(outside));
    }
  }

  /** Whether the last request {@code backend} answered came through the mesh (it has an id). */
  private static boolean meshTouched(Backend backend) {
    return backend.lastHeaders().containsKey("x-request-id");
  }

  @Test
  void aRequestToAPodsOwnAddressGoesToThatPod() {
    // Istio's allow_any: the Host (the pod's address) names no service, so the request passes
    // through to the address the application connected to instead of the service's balancer.
    double before = countedOnPath(Feature.ROUTING);
    double passedThrough = requestsRecorded("PassthroughCluster", "200");
    String url = "http://" + v2a.ip() + ":" + v2a.port() + "/";
    ClientDriver.Result r = burst(10, 2, "GET", url);
    assertThat(counts(r, "bodies"))
        .as(r.toString())
        .containsExactly(Map.entry("pod=reviews-v2-a", 10));
    assertThat(v1a.requests() + v1b.requests()).isZero();
    assertCountedOnPath(Feature.ROUTING, before, 10);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(requestsRecorded("PassthroughCluster", "200"))
                    .as("istio_requests_total to PassthroughCluster")
                    .isGreaterThanOrEqualTo(passedThrough + 10));
  }

  // ---- helpers ----

  /**
   * Rewrites the {@code reviews} config (service, pods, DestinationRule with {@code trafficPolicy},
   * a VirtualService with {@code routes}) and waits until the client sees it.
   */
  void configure(String test, String trafficPolicy, String routes) {
    String name = test + "-" + System.nanoTime();
    probe = name;
    client.configure(controlPlane, pods, name, trafficPolicy, routes, portName(), probeStatus());
  }

  private int probeStatus(String name) {
    return client.probeStatus(name);
  }

  ClientDriver.Result send(String method, String url, String... options) {
    return client.send(method, url, options);
  }

  ClientDriver.Result burst(int n, int concurrency, String method, String url, String... options) {
    return client.burst(Duration.ofSeconds(90), n, concurrency, method, url, options);
  }

  static String reviews() {
    return MeshedClient.reviews();
  }

  private String ratingsUrl() {
    return "http://ratings:" + ratingsPort + "/";
  }

  /** {@code key=a:1,b:2} of a burst's answer as a map. */
  static Map<String, Integer> counts(ClientDriver.Result r, String key) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    String value = r.field(key);
    if (value == null || value.equals("-")) {
      return counts;
    }
    for (String pair : value.split(",")) {
      int colon = pair.lastIndexOf(':');
      counts.put(pair.substring(0, colon), Integer.parseInt(pair.substring(colon + 1)));
    }
    return counts;
  }

  private static int sum(Map<String, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  private void resetPods() {
    for (Backend b : pods) {
      b.reset();
    }
    outside.reset();
  }

  PrometheusText clientMetrics() {
    return client.metrics();
  }

  private double pathRequests(String path) {
    return client.requests(path);
  }

  private double requestsRecorded(String code) {
    return requestsRecorded(ReviewsPolicies.HOST, code);
  }

  private double requestsRecorded(String destinationServiceName, String code) {
    return clientMetrics()
        .sum(
            "istio_requests_total",
            "reporter",
            "source",
            "destination_service_name",
            destinationServiceName,
            "response_code",
            code);
  }

  private double outboundConnectionsTo(int port) {
    return clientMetrics()
        .samples("jmesh_agent_connections_total", "direction", "outbound")
        .stream()
        .filter(s -> s.labels().getOrDefault("destination", "").endsWith(":" + port))
        .mapToDouble(PrometheusText.Sample::value)
        .sum();
  }

  /** Requests counted so far on the path the library should take for {@code feature}. */
  private double countedOnPath(Feature feature) {
    return pathRequests(expectedPath(feature));
  }

  /**
   * The direct path counts each request under {@code jmesh_agent_requests_total{library,
   * path="direct"}}. On the engine path the count is asserted once the library's module counts
   * requests at all (it then says {@code path="engine"}); a library with no module yet is seen only
   * as captured connections.
   */
  private void assertCountedOnPath(Feature feature, double before, int n) {
    String path = expectedPath(feature);
    if (DIRECT.equals(path) || !clientMetrics().samples(REQUESTS, "library", library()).isEmpty()) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(pathRequests(path))
                      .as("%s requests counted on path=%s", library(), path)
                      .isGreaterThanOrEqualTo(before + n));
    }
  }

  /** Whether a plaintext HTTP request straight to the port, from this unmeshed JVM, is answered. */
  private static boolean plaintextAnswered(int port) {
    try {
      HttpURLConnection c =
          (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
      c.setConnectTimeout(2000);
      c.setReadTimeout(3000);
      try {
        return c.getResponseCode() == 200;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  static ConditionFactory await() {
    return MeshedClient.await();
  }
}
