package dev.jmesh.testsuite.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.MeshPaths;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testing.PrometheusText;
import dev.jmesh.testsuite.ServiceEntries;
import dev.jmesh.testsuite.engine.ClientDriver;
import dev.jmesh.testsuite.engine.MeshControlPlane;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mesh-proxy.jar with real programs nobody here wrote: {@code python3 -m http.server} behind the
 * proxy (service {@code ratings}, STRICT mTLS), reached from a meshed JVM; {@code curl} and Python
 * {@code requests} going out through the proxy to a meshed JVM server ({@code reviews}). One
 * control plane and one long-lived proxy for the class; every port ephemeral, all on loopback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshProxyTest {

  private static final Duration WORK = Duration.ofSeconds(30);
  private static final String PYTHON_PAGE = "hello from python behind mesh-proxy";
  private static final String ECHO_GREETING = "hello-from-echo";
  private static final String RATINGS_PRINCIPAL = "spiffe://cluster.local/ns/default/sa/ratings";

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private MeshControlPlane controlPlane;
  private Process python;
  private int pythonPort;
  private int ratingsPort;
  private int ratingsOpenPort;
  private int reviewsPort;
  private MeshedJvm proxy;
  private int httpProxyPort;
  private int outboundPort;
  private int echoPort;
  private int echoOutboundPort;
  private int greeterPort;
  private int greeterOutboundPort;
  private ClientDriver client;

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-proxy");
    controlPlane = MeshControlPlane.start(jvms, work);
    ratingsPort = FreePorts.loopback();
    ratingsOpenPort = FreePorts.loopback();
    // STRICT, but for a second port to the same application that also takes plaintext.
    controlPlane.apply(
        "ratings-strict",
        strict("ratings")
            + """
      portLevelMtls:
        %d:
          mode: PERMISSIVE
    """
                .formatted(ratingsOpenPort));
    // The Python server lists its working directory: give it one with nothing else in it.
    Path www = Files.createDirectories(work.resolve("www"));
    Files.writeString(www.resolve("index.html"), PYTHON_PAGE + "\n");
    pythonPort = FreePorts.loopback();
    python =
        new ProcessBuilder(
                "python3", "-m", "http.server", Integer.toString(pythonPort), "--bind", "127.0.0.1")
            .directory(www.toFile())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("python.log").toFile())
            .start();
    controlPlane.apply("echo-strict", strict("echo"));
    reviewsPort = FreePorts.loopback();
    echoPort = FreePorts.loopback();
    // A TCP service that speaks first, as databases do: the greeting needs no request.
    Path echoToken = controlPlane.token("default", "echo");
    Path reviewsToken = controlPlane.token("default", "reviews");
    // One meshed server at a time: on a loaded 2-core machine, JVMs starting together can take
    // the agent past its 10 s engine start, and a server bound before it goes on unmeshed.
    startMeshed(
        jvms,
        MeshedJvm.java("echo")
            .testApp("mesh-servers-app")
            .args("echo", "127.0.0.1", Integer.toString(echoPort))
            .systemProperty("echo.greeting", ECHO_GREETING)
            .withAgent()
            .env("MESH_CONTROL_PLANE", controlPlane.address())
            .env("MESH_TOKEN_FILE", echoToken.toString())
            .env("MESH_SERVICE_PORTS", "tcp-echo:" + echoPort)
            .env("MESH_LABELS", "app=echo,version=v1"),
        "echo",
        "127.0.0.1",
        echoPort);
    startMeshed(
        jvms,
        MeshedJvm.java("reviews")
            .testApp("mesh-servers-app")
            .args("jdk", "127.0.0.1", Integer.toString(reviewsPort))
            .withAgent()
            .env("MESH_CONTROL_PLANE", controlPlane.address())
            .env("MESH_TOKEN_FILE", reviewsToken.toString())
            .env("MESH_LABELS", "app=reviews,version=v1"),
        "reviews",
        "127.0.0.1",
        reviewsPort);
    // A gRPC service on Istio's grpc port name, STRICT: grpc-java's server in a meshed JVM.
    controlPlane.apply("greeter-strict", strict("greeter"));
    greeterPort = FreePorts.loopback();
    startMeshed(
        jvms,
        MeshedJvm.java("greeter")
            .testApp("mesh-servers-app")
            .args("grpc", "127.0.0.1", Integer.toString(greeterPort))
            .withAgent()
            .env("MESH_CONTROL_PLANE", controlPlane.address())
            .env("MESH_TOKEN_FILE", controlPlane.token("default", "greeter").toString())
            .env("MESH_SERVICE_PORTS", "grpc:" + greeterPort)
            .env("MESH_LABELS", "app=greeter,version=v1"),
        "greeter",
        "127.0.0.1",
        greeterPort);
    proxy =
        jvms.start(
            proxyJvm("ratings-proxy")
                .args(
                    "--service",
                    "ratings",
                    "--control-plane",
                    controlPlane.address(),
                    "--token-file",
                    controlPlane.token("default", "ratings").toString(),
                    "--labels",
                    "app=ratings,version=v1",
                    "--inbound",
                    ratingsPort + "=127.0.0.1:" + pythonPort,
                    "--inbound",
                    ratingsOpenPort + "=127.0.0.1:" + pythonPort,
                    "--workload-address",
                    "127.0.0.1",
                    "--admin-port",
                    "0",
                    "--metrics-port",
                    "0",
                    "--http-proxy",
                    "127.0.0.1:0",
                    "--journal",
                    work.resolve("journal").toString(),
                    "--outbound",
                    "reviews:" + reviewsPort + "=127.0.0.1:0",
                    "--outbound",
                    "echo:" + echoPort + "=127.0.0.1:0",
                    "--outbound",
                    "greeter:" + greeterPort + "=127.0.0.1:0"));
    httpProxyPort =
        Integer.parseInt(
            proxy
                .awaitOutput("http-proxy http://127\\.0\\.0\\.1:(\\d+)", MeshControlPlane.STARTUP)
                .group(1));
    outboundPort =
        Integer.parseInt(
            proxy
                .awaitOutput(
                    "outbound 127\\.0\\.0\\.1:(\\d+) -> reviews:" + reviewsPort,
                    MeshControlPlane.STARTUP)
                .group(1));
    echoOutboundPort =
        Integer.parseInt(
            proxy
                .awaitOutput(
                    "outbound 127\\.0\\.0\\.1:(\\d+) -> echo:" + echoPort, MeshControlPlane.STARTUP)
                .group(1));
    greeterOutboundPort =
        Integer.parseInt(
            proxy
                .awaitOutput(
                    "outbound 127\\.0\\.0\\.1:(\\d+) -> greeter:" + greeterPort,
                    MeshControlPlane.STARTUP)
                .group(1));
    client =
        new ClientDriver(
            jvms.start(
                MeshedJvm.java("client")
                    .testApp("mesh-client-app")
                    .withAgent()
                    .env("MESH_CONTROL_PLANE", controlPlane.address())
                    .env("MESH_TOKEN_FILE", controlPlane.token("default", "client").toString())
                    .env("MESH_LABELS", "app=client,version=v1")));
    client.jvm().awaitOutput("READY client", MeshControlPlane.STARTUP);
    Matcher ready = proxy.awaitOutput("ready in (\\d+) ms", MeshControlPlane.STARTUP);
    System.out.println("[proxy-test] ratings-proxy ready in " + ready.group(1) + " ms");
    proxy.awaitReady(WORK);
  }

  @AfterAll
  void stop() throws IOException {
    if (python != null) {
      python.destroy();
    }
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void aMeshedJvmReachesPythonBehindTheProxyInStrictMtlsAndPlaintextIsRefused() throws IOException {
    await()
        .untilAsserted(
            () -> {
              ClientDriver.Result r = client.run("http GET http://ratings:" + ratingsPort + "/");
              assertThat(r.status()).as(r.toString()).isEqualTo(200);
              assertThat(r.body()).contains(PYTHON_PAGE);
            });
    // The application itself answers plaintext; the proxy's port, under STRICT, does not.
    assertThat(plaintextGet(pythonPort)).startsWith("HTTP/1.");
    await().untilAsserted(() -> assertThat(plaintextGet(ratingsPort)).doesNotStartWith("HTTP/"));
  }

  @Test
  void curlWithHttpProxyReachesAMeshedJvmOverMtls() {
    await()
        .untilAsserted(
            () -> {
              Run curl = curlThroughHttpProxy("http://reviews:" + reviewsPort + "/hello");
              assertThat(curl.output()).contains("status=200").contains("path=/hello");
              // The meshed server saw the proxy's workload identity: the call was mTLS.
              assertThat(curl.output()).contains("URI=" + RATINGS_PRINCIPAL);
            });
  }

  @Test
  void curlWithHttpProxyToAMeshEndpointsOwnAddressPassesThroughToIt() {
    // The Host is reviews' endpoint itself, no name of the service: Istio's allow_any virtual
    // host sends it to PassthroughCluster, that is to this address, in plaintext as Istio does
    // (reviews is PERMISSIVE here; under STRICT it would refuse, as with Istio's sidecars).
    await()
        .untilAsserted(
            () -> {
              Run curl = curlThroughHttpProxy("http://127.0.0.1:" + reviewsPort + "/by-address");
              assertThat(curl.output())
                  .contains("status=200")
                  .contains("path=/by-address")
                  .contains("host=127.0.0.1:" + reviewsPort)
                  .contains("xfcc=-");
            });
    await()
        .untilAsserted(
            () ->
                assertThat(requestsRecorded("PassthroughCluster", "200"))
                    .isGreaterThanOrEqualTo(1));
  }

  @Test
  void curlWithHttpProxyByTheNameOfAServiceEntryWithoutAddressesReachesWhereItResolves()
      throws Exception {
    // resolution: NONE: the proxy looks the name up as curl would have, and the ServiceEntry's
    // route sends the request there (python's server), counted under the ServiceEntry's host.
    // Before the config is in force the request passes through uncounted.
    controlPlane.apply(
        "localhost-by-name", ServiceEntries.resolvedByName("localhost", pythonPort, "http"));
    try {
      await()
          .untilAsserted(
              () -> {
                Run curl = curlThroughHttpProxy("http://localhost:" + pythonPort + "/");
                assertThat(curl.output()).contains("status=200").contains(PYTHON_PAGE);
                assertThat(requestsRecorded("localhost", "200")).isGreaterThanOrEqualTo(1);
              });
    } finally {
      controlPlane.delete("localhost-by-name");
    }
  }

  @Test
  void aConnectTunnelToTheNameOfATcpServiceEntryWithoutAddressesReachesWhereItResolves()
      throws Exception {
    // resolution: NONE on a TCP port: the engine relays TCP by service, with no listener per
    // destination, so the proxy itself dials the address the name resolves to. The tunnel would
    // pass through before the config is in force too, so the test waits for its cluster first.
    controlPlane.apply(
        "localhost-tcp-by-name", ServiceEntries.resolvedByName("localhost", pythonPort, "tcp"));
    try {
      await()
          .untilAsserted(
              () ->
                  assertThat(proxy.httpGet("config_dump").body())
                      .contains("outbound|" + pythonPort + "||localhost"));
      Run curl = curlThroughConnectTunnel("http://localhost:" + pythonPort + "/");
      assertThat(curl.output()).contains("status=200").contains(PYTHON_PAGE);
    } finally {
      controlPlane.delete("localhost-tcp-by-name");
    }
  }

  @Test
  void curlThroughAConnectTunnelReachesAMeshedJvm() {
    await()
        .untilAsserted(
            () -> {
              Run curl = curlThroughConnectTunnel("http://reviews:" + reviewsPort + "/hello");
              assertThat(curl.output())
                  .contains("status=200")
                  .contains("path=/hello")
                  .contains("URI=" + RATINGS_PRINCIPAL);
            });
  }

  @Test
  void pythonRequestsHonoursHttpProxy() {
    await()
        .untilAsserted(
            () -> {
              Run requests =
                  run(
                      Map.of("HTTP_PROXY", "http://127.0.0.1:" + httpProxyPort),
                      "python3",
                      "-c",
                      "import requests; r = requests.get('http://reviews:"
                          + reviewsPort
                          + "/hello', timeout=10); print('status=%d' % r.status_code);"
                          + " print(r.text)");
              assertThat(requests.output()).contains("status=200").contains("path=/hello");
            });
  }

  @Test
  void nodeReachesTheMeshThroughAnOutboundPortAndByAbsoluteFormToTheProxy() {
    // Node's built-in http ignores HTTP_PROXY: the two ways docs/proxy.md shows instead.
    String print =
        "r => { let b = ''; r.on('data', d => b += d);"
            + " r.on('end', () => console.log('status=' + r.statusCode + '\\n' + b)); }";
    await()
        .untilAsserted(
            () -> {
              Run viaPort =
                  run(
                      Map.of(),
                      "node",
                      "-e",
                      "require('http').get('http://127.0.0.1:"
                          + outboundPort
                          + "/hello', "
                          + print
                          + ")");
              assertThat(viaPort.output()).contains("status=200").contains("path=/hello");
              Run viaProxy =
                  run(
                      Map.of(),
                      "node",
                      "-e",
                      "require('http').get({host: '127.0.0.1', port: "
                          + httpProxyPort
                          + ", path: 'http://reviews:"
                          + reviewsPort
                          + "/hello',"
                          + " headers: {host: 'reviews:"
                          + reviewsPort
                          + "'}}, "
                          + print
                          + ")");
              assertThat(viaProxy.output()).contains("status=200").contains("path=/hello");
            });
  }

  @Test
  void http2PriorKnowledgeReachesTheMeshThroughAnOutboundPortAndTheProxyListener() {
    String[] curl = {
      "curl",
      "-sS",
      "-m",
      "10",
      "--http2-prior-knowledge",
      "-w",
      "\nstatus=%{http_code} version=%{http_version}\n"
    };
    await()
        .untilAsserted(
            () -> {
              Run viaPort =
                  run(Map.of(), concat(curl, "http://127.0.0.1:" + outboundPort + "/hello"));
              assertThat(viaPort.output())
                  .contains("status=200 version=2")
                  .contains("path=/hello")
                  .contains("host=reviews:" + reviewsPort)
                  .contains("URI=" + RATINGS_PRINCIPAL);
              // The HTTP proxy listener: HTTP/2 has no absolute form, :authority names the
              // destination.
              Run viaProxy =
                  run(
                      Map.of(),
                      concat(
                          curl,
                          "-H",
                          "Host: reviews:" + reviewsPort,
                          "http://127.0.0.1:" + httpProxyPort + "/hello"));
              assertThat(viaProxy.output())
                  .contains("status=200 version=2")
                  .contains("path=/hello")
                  .contains("URI=" + RATINGS_PRINCIPAL);
              // Two streams at once on one connection (nghttp: curl 7.88 cannot reuse an h2c
              // prior-knowledge connection for a second request, whatever the server).
              Run twoStreams =
                  run(
                      Map.of(),
                      "nghttp",
                      "-t",
                      "10",
                      "http://127.0.0.1:" + outboundPort + "/one",
                      "http://127.0.0.1:" + outboundPort + "/two");
              assertThat(twoStreams.exitCode()).as(twoStreams.output()).isZero();
              assertThat(twoStreams.output())
                  .contains("path=/one")
                  .contains("path=/two")
                  .contains("host=reviews:" + reviewsPort);
            });
  }

  @Test
  void h2cStreamsOneAfterAnotherEachGetTheirOwnAnswerOnAnOutboundPortAndTheProxyListener() {
    // Node's http2 client, prior knowledge, twelve requests in turn on one connection. On the
    // --outbound port the engine serves the streams, each an HTTP/1.1 exchange on its pool to
    // reviews; on the HTTP proxy listener (:authority names the destination) they take turns on
    // the connections to the engine that earlier streams left (StreamUpstreams). Each must get its
    // own answer, not the one before it.
    await()
        .untilAsserted(
            () -> {
              Run viaPort = run(Map.of(), "node", "-e", inTurn(outboundPort, null));
              assertThat(viaPort.output())
                  .contains("in turn ok 12")
                  .doesNotContain("wrong answer");
              Run viaProxy =
                  run(Map.of(), "node", "-e", inTurn(httpProxyPort, "reviews:" + reviewsPort));
              assertThat(viaProxy.output())
                  .contains("in turn ok 12")
                  .doesNotContain("wrong answer");
            });
  }

  /** A Node script: twelve h2c requests in turn on one connection to {@code port}. */
  private static String inTurn(int port, String authority) {
    String head = authority == null ? "" : "':authority': '" + authority + "', ";
    return "const s = require('http2').connect('http://127.0.0.1:"
        + port
        + "'); let i = 0, ok = 0;"
        + " const next = () => { if (i === 12) { console.log('in turn ok ' + ok); s.close();"
        + " return; } const path = '/turn-' + i++ + '-end';"
        + " const r = s.request({"
        + head
        + "':path': path}); let b = ''; r.setEncoding('utf8');"
        + " r.on('data', d => b += d);"
        + " r.on('end', () => { if (b.includes('path=' + path)) { ok++; }"
        + " else { console.log('wrong answer for ' + path + ': ' + b); } next(); });"
        + " r.on('error', e => { console.log('error ' + e); s.close(); }); r.end(); };"
        + " next();";
  }

  @Test
  void grpcReachesAStrictGrpcServiceThroughAnOutboundPortWithItsTrailers() throws Exception {
    // grpc-java in this JVM stands for any gRPC client that cannot take the agent: plaintext h2c
    // to the local port; the proxy's engine originates mTLS and keeps each call on HTTP/2.
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", greeterOutboundPort).usePlaintext().build();
    try {
      await()
          .untilAsserted(
              () -> {
                String reply =
                    ClientCalls.blockingUnaryCall(
                        channel.newCall(GreeterMethods.ECHO, CallOptions.DEFAULT), "hello");
                assertThat(reply).startsWith("echo:hello ");
                // The server's inbound saw the proxy's SPIFFE identity: the call crossed mTLS.
                assertThat(reply).contains("URI=" + RATINGS_PRINCIPAL);
              });
      // A server stream: three messages, then the status in trailers that end the stream.
      List<String> counted = new ArrayList<>();
      ClientCalls.blockingServerStreamingCall(
              channel.newCall(GreeterMethods.COUNT, CallOptions.DEFAULT), "3")
          .forEachRemaining(counted::add);
      assertThat(counted).containsExactly("1", "2", "3");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void http2ReachesPythonBehindTheProxyAsHttp11() throws IOException {
    // python3 -m http.server speaks HTTP/1.x only. ratings' port is an http port (it is not named
    // otherwise), so the proxy's inbound speaks HTTP/1.1 to it whatever the caller spoke, as
    // Istio's inbound cluster of an http port does.
    await()
        .untilAsserted(
            () -> {
              Run h2c =
                  run(
                      Map.of(),
                      "curl",
                      "-sS",
                      "-m",
                      "10",
                      "--http2-prior-knowledge",
                      "-w",
                      "\nstatus=%{http_code} version=%{http_version}\n",
                      "http://127.0.0.1:" + ratingsOpenPort + "/index.html?over=h2");
              assertThat(h2c.output()).contains(PYTHON_PAGE).contains("status=200 version=2");
              Run twoStreams =
                  run(
                      Map.of(),
                      "nghttp",
                      "-t",
                      "10",
                      "-s",
                      "http://127.0.0.1:" + ratingsOpenPort + "/index.html?stream=one",
                      "http://127.0.0.1:" + ratingsOpenPort + "/index.html?stream=two");
              assertThat(twoStreams.exitCode()).as(twoStreams.output()).isZero();
            });
    String log = Files.readString(work.resolve("python.log"));
    assertThat(log)
        .contains("\"GET /index.html?over=h2 HTTP/1.1\" 200")
        .contains("\"GET /index.html?stream=one HTTP/1.1\" 200")
        .contains("\"GET /index.html?stream=two HTTP/1.1\" 200");
  }

  private static String[] concat(String[] first, String... more) {
    return Stream.concat(Stream.of(first), Stream.of(more)).toArray(String[]::new);
  }

  @Test
  void anOutboundLocalPortReachesTheMeshService() {
    await()
        .untilAsserted(
            () -> {
              Run curl = curl(Map.of(), "http://127.0.0.1:" + outboundPort + "/hello");
              assertThat(curl.output())
                  .contains("status=200")
                  .contains("host=reviews:" + reviewsPort)
                  .contains("URI=" + RATINGS_PRINCIPAL);
            });
  }

  @Test
  void aLargeUploadWithExpectContinueGetsTheDestinationsContinueThroughBothListeners()
      throws IOException {
    int size = 5 * 1024 * 1024;
    Path body = work.resolve("upload.bin");
    Files.write(body, new byte[size]);
    await()
        .untilAsserted(
            () -> {
              // curl sends Expect: 100-continue for a body this size. It would send the body
              // unasked after 1 s; told to wait 30 s (beyond -m 10), it sends it only once the
              // meshed server's 100 Continue came back through the engines and the proxy.
              for (String[] via :
                  List.of(
                      new String[] {
                        "-x", "http://127.0.0.1:" + httpProxyPort, "http://reviews:" + reviewsPort
                      },
                      new String[] {"-H", "X-Via: outbound", "http://127.0.0.1:" + outboundPort})) {
                Run curl =
                    run(
                        Map.of(),
                        "curl",
                        "-sS",
                        "-m",
                        "10",
                        "--expect100-timeout",
                        "30",
                        via[0],
                        via[1],
                        "--data-binary",
                        "@" + body,
                        "-o",
                        "/dev/null",
                        "-w",
                        "status=%{http_code} uploaded=%{size_upload}",
                        via[2] + "/upload");
                assertThat(curl.output())
                    .as(String.join(" ", via))
                    .isEqualTo("status=200 uploaded=" + size);
              }
            });
  }

  @Test
  void anOutboundLocalPortCarriesRawTcpOverMtlsToAStrictService() {
    await().untilAsserted(() -> assertThat(echoOnce(echoOutboundPort, false)).isTrue());
    // The service refuses plaintext, so what answered came over mTLS.
    await().untilAsserted(() -> assertThat(echoOnce(echoPort, false)).isFalse());
    // Each closed TCP connection is one journal entry (docs/telemetry-journal.md).
    await()
        .untilAsserted(
            () ->
                assertThat(journalJson())
                    .anyMatch(
                        l ->
                            l.contains("\"protocol\":\"tcp\"")
                                && l.contains("\"reporter\":\"source\"")
                                && l.contains(
                                    "\"destination_service\":\"echo.default.svc.cluster.local\"")
                                && l.contains("\"cluster\":\"outbound|" + echoPort + "||echo.")
                                && l.contains("\"bytes_received\":19")));
  }

  /** The proxy's journal as {@code mesh replay print --format json} lines. */
  private List<String> journalJson() throws Exception {
    Run print =
        run(
            Map.of(),
            "java",
            "-jar",
            MeshPaths.root().resolve("journal/target/mesh-replay.jar").toString(),
            "print",
            "--journal",
            work.resolve("journal").toString(),
            "--format",
            "json",
            "--no-progress");
    assertThat(print.exitCode()).as(print.output()).isZero();
    return print.output().lines().toList();
  }

  @Test
  void aConnectTunnelCarriesRawTcpToAStrictService() {
    await().untilAsserted(() -> assertThat(echoOnce(httpProxyPort, true)).isTrue());
  }

  @Test
  void theAdminEndpointShowsTheProxyAndItsMetricsRecordBothDirections() {
    await()
        .untilAsserted(
            () -> {
              ClientDriver.Result in = client.run("http GET http://ratings:" + ratingsPort + "/");
              assertThat(in.status()).as(in.toString()).isEqualTo(200);
              Run out =
                  run(
                      Map.of(),
                      "curl",
                      "-sS",
                      "-m",
                      "10",
                      "-o",
                      "/dev/null",
                      "-w",
                      "%{http_code}",
                      "-x",
                      "http://127.0.0.1:" + httpProxyPort,
                      "http://reviews:" + reviewsPort + "/hello");
              assertThat(out.output()).isEqualTo("200");
            });
    proxy.awaitMetric(
        "istio_requests_total",
        v -> v >= 1,
        WORK,
        "reporter",
        "destination",
        "source_app",
        "client",
        "response_code",
        "200");
    proxy.awaitMetric(
        "istio_requests_total",
        v -> v >= 1,
        WORK,
        "reporter",
        "source",
        "destination_service_name",
        "reviews",
        "response_code",
        "200");
    assertThat(proxy.metric("jmesh_proxy_ready")).isEqualTo(1.0);
    String dump = proxy.httpGet("config_dump").body();
    assertThat(dump)
        .contains("\"httpProxy\": \"127.0.0.1:" + httpProxyPort + "\"")
        .contains("\"application\": \"127.0.0.1:" + pythonPort + "\"")
        .contains("\"registered\": true")
        .contains("\"connected\": true")
        // A relay runs its engine on io_uring where the kernel allows it (these machines do).
        .contains("\"loops\": \"io_uring\"");
    assertThat(proxy.httpGet("certs").body()).contains(RATINGS_PRINCIPAL);
  }

  @Test
  void aMissingServiceStopsTheProxyWithExitCode78NamingTheOption() {
    MeshedJvm bad =
        jvms.start(
            proxyJvm("proxy-no-service")
                .args("--control-plane", controlPlane.address(), "--app-port", "9080"));
    assertThat(bad.awaitExit(MeshControlPlane.STARTUP)).isEqualTo(78);
    assertThat(bad.output()).contains("no service is configured").contains("--service");
  }

  @Test
  void aBadInboundStopsTheProxyWithExitCode78NamingTheOption() {
    MeshedJvm bad =
        jvms.start(
            proxyJvm("proxy-bad-inbound")
                .args(
                    "--service", "ratings",
                    "--control-plane", controlPlane.address(),
                    "--inbound", "9080:127.0.0.1:9081"));
    assertThat(bad.awaitExit(MeshControlPlane.STARTUP)).isEqualTo(78);
    assertThat(bad.output()).contains("bad setting --inbound=\"9080:127.0.0.1:9081\"");
  }

  @Test
  void theWorkloadIsRegisteredOnceTheApplicationAnswersAndDeregisteredOnSigterm() throws Exception {
    int detailsPort = FreePorts.loopback();
    int appPort = FreePorts.loopback();
    MeshedJvm details =
        jvms.start(
            proxyJvm("details-proxy")
                .args(
                    "--service", "details",
                    "--control-plane", controlPlane.address(),
                    "--token-file", controlPlane.token("default", "details").toString(),
                    "--inbound", detailsPort + "=127.0.0.1:" + appPort,
                    "--workload-address", "127.0.0.1",
                    "--admin-port", "0",
                    "--metrics-port", "0",
                    "--http-proxy", "off"));
    details.awaitOutput("xDS stream to the control plane is up", MeshControlPlane.STARTUP);
    // Nothing answers at the application's address yet: not registered, not ready.
    Thread.sleep(1000);
    assertThat(registryz()).doesNotContain("details.default.svc.cluster.local");
    assertThat(details.httpGet("ready").status()).isEqualTo(503);
    try (ServerSocket app = new ServerSocket()) {
      app.bind(new InetSocketAddress("127.0.0.1", appPort));
      await()
          .untilAsserted(
              () ->
                  assertThat(registryz())
                      .contains("details.default.svc.cluster.local")
                      .contains("\"" + detailsPort + "\": " + detailsPort));
      details.awaitReady(WORK);
      details.terminate();
      assertThat(details.awaitExit(WORK)).isNotEqualTo(78);
      await()
          .untilAsserted(
              () -> assertThat(registryz()).doesNotContain("details.default.svc.cluster.local"));
    }
  }

  @Test
  void idleMemoryIsSmall() throws IOException {
    long rssKb = 0;
    for (String line : Files.readAllLines(Path.of("/proc/" + proxy.pid() + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        rssKb = Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    System.out.println("[proxy-test] ratings-proxy idle RSS " + rssKb / 1024 + " MiB");
    assertThat(rssKb).isPositive().isLessThan(256 * 1024);
  }

  // ---- helpers ----

  /**
   * Starts a meshed server and waits until the agent's engine took over its port at {@code host}.
   * On a loaded 2-core machine the agent may miss its 10 s engine start, and a server bound before
   * it goes on unmeshed for good: such a server is stopped and started again (three tries), so the
   * tests always talk to a meshed one.
   */
  static MeshedJvm startMeshed(
      ForkedJvms jvms, MeshedJvm.Builder server, String name, String host, int port) {
    String last = "";
    for (int attempt = 1; attempt <= 3; attempt++) {
      MeshedJvm jvm = jvms.start(server);
      Matcher m =
          jvm.awaitOutput(
              "the engine took over "
                  + java.util.regex.Pattern.quote(host + ":" + port)
                  + "|the engine did not start.*",
              MeshControlPlane.STARTUP);
      if (m.group().startsWith("the engine took over")) {
        return jvm;
      }
      last = m.group();
      System.out.println("[proxy-test] " + name + " came up unmeshed (" + last + "); again");
      jvm.terminate();
    }
    throw new AssertionError(name + " came up unmeshed three times: " + last);
  }

  static String strict(String app) {
    return """
    apiVersion: security.istio.io/v1
    kind: PeerAuthentication
    metadata:
      name: %s-mtls
      namespace: default
    spec:
      selector:
        matchLabels:
          app: %s
      mtls:
        mode: STRICT
    """
        .formatted(app, app);
  }

  /**
   * Connects to {@code port} (first asking the HTTP proxy there to {@code CONNECT} to the echo
   * service), reads the echo server's greeting and has one line echoed: whether all of it worked.
   */
  private boolean echoOnce(int port, boolean connect) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      java.io.BufferedReader in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      if (connect) {
        out.write(
            ("CONNECT echo:" + echoPort + " HTTP/1.1\r\nHost: echo:" + echoPort + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = in.readLine();
        if (status == null || !status.startsWith("HTTP/1.1 200")) {
          return false;
        }
        while (!in.readLine().isEmpty()) {
          // the rest of the proxy's response head
        }
      }
      if (!ECHO_GREETING.equals(in.readLine())) {
        return false;
      }
      out.write("ping over the mesh\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return "ping over the mesh".equals(in.readLine());
    } catch (java.net.SocketException | java.net.SocketTimeoutException e) {
      return false;
    }
  }

  @Test
  void theJournalHoldsEveryRequestTheProxyCarriedBothWays() throws Exception {
    String outPath = "/journaled-out-" + System.nanoTime();
    String inPath = "/journaled-in-" + System.nanoTime();
    await()
        .untilAsserted(
            () ->
                assertThat(
                        run(
                                Map.of("http_proxy", "http://127.0.0.1:" + httpProxyPort),
                                "curl",
                                "-sS",
                                "-m",
                                "10",
                                "-o",
                                "/dev/null",
                                "-w",
                                "status=%{http_code}",
                                "http://reviews:" + reviewsPort + outPath)
                            .output())
                    .contains("status=200"));
    await()
        .untilAsserted(
            () ->
                assertThat(client.run("http GET http://ratings:" + ratingsPort + inPath).status())
                    .isEqualTo(404));
    // Read back as a user would, with the replay tool, while the proxy keeps writing.
    await()
        .untilAsserted(
            () -> {
              Run print =
                  run(
                      Map.of(),
                      "java",
                      "-jar",
                      MeshPaths.root().resolve("journal/target/mesh-replay.jar").toString(),
                      "print",
                      "--journal",
                      work.resolve("journal").toString(),
                      "--format",
                      "json",
                      "--no-progress");
              assertThat(print.exitCode()).as(print.output()).isZero();
              String out =
                  print.output().lines().filter(l -> l.contains(outPath)).findFirst().orElse("");
              assertThat(out)
                  .as(print.output())
                  .contains("\"reporter\":\"source\"")
                  .contains("\"method\":\"GET\"")
                  .contains("\"response_code\":200")
                  .contains("\"source_workload\":\"ratings\"")
                  .contains("\"destination_service\":\"reviews.default.svc.cluster.local\"");
              String in =
                  print.output().lines().filter(l -> l.contains(inPath)).findFirst().orElse("");
              assertThat(in)
                  .as(print.output())
                  .contains("\"reporter\":\"destination\"")
                  .contains("\"response_code\":404")
                  .contains("\"source_workload\":\"client\"")
                  .contains("\"connection_security_policy\":\"mutual_tls\"");
            });
    PrometheusText metrics = proxy.metrics();
    assertThat(metrics.value("jmesh_journal_records_total", "result", "appended"))
        .isGreaterThanOrEqualTo(2);
    assertThat(metrics.value("jmesh_journal_records_total", "result", "dropped")).isZero();
  }

  /**
   * mesh-proxy's JVM. Its journal is off unless a test asks for one ({@code --journal}, which wins
   * over the variable): on by default, it would land in the test's working directory.
   */
  static MeshedJvm.Builder proxyJvm(String name) {
    return MeshedJvm.java(name)
        .jar(MeshPaths.root().resolve("proxy/target/mesh-proxy.jar"))
        .jvmFlags("-Xmx64m")
        .env("MESH_JOURNAL", "off")
        .withoutAgent();
  }

  private String registryz() throws Exception {
    return HttpClient.newBuilder()
        .proxy(java.net.ProxySelector.of(null))
        .build()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + controlPlane.httpPort() + "/debug/registryz"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** A plaintext HTTP/1.1 GET straight to the port: the first bytes of the answer, or "". */
  private static String plaintextGet(int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(
          "GET / HTTP/1.1\r\nHost: ratings\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] head = in.readNBytes(12);
      return new String(head, StandardCharsets.US_ASCII);
    } catch (java.net.SocketException e) {
      // A reset is a refusal too.
      return "";
    }
  }

  private record Run(int exitCode, String output) {}

  /** The proxy's {@code istio_requests_total} to a destination service, answered {@code code}. */
  private double requestsRecorded(String destinationServiceName, String code) {
    return proxy
        .metrics()
        .sum(
            "istio_requests_total",
            "reporter",
            "source",
            "destination_service_name",
            destinationServiceName,
            "response_code",
            code);
  }

  /** {@code curl url} with {@code http_proxy} set to the proxy's listener; the status last. */
  private Run curlThroughHttpProxy(String url) throws Exception {
    return curl(Map.of("http_proxy", "http://127.0.0.1:" + httpProxyPort), url);
  }

  /** {@code curl url} through a {@code CONNECT} tunnel the proxy opens; the status last. */
  private Run curlThroughConnectTunnel(String url) throws Exception {
    return curl(Map.of(), url, "-p", "-x", "http://127.0.0.1:" + httpProxyPort);
  }

  /**
   * {@code curl options url} with only the proxy variables in {@code env}, at most 10 s; the
   * status last.
   */
  private Run curl(Map<String, String> env, String url, String... options) throws Exception {
    List<String> command =
        new ArrayList<>(List.of("curl", "-sS", "-m", "10", "-w", "\nstatus=%{http_code}"));
    command.addAll(List.of(options));
    command.add(url);
    return run(env, command.toArray(String[]::new));
  }

  /** Runs a non-JVM program to its end (bounded), with the proxy variables only as given. */
  private Run run(Map<String, String> env, String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    for (String key : new ArrayList<>(environment.keySet())) {
      if (key.equalsIgnoreCase("http_proxy")
          || key.equalsIgnoreCase("https_proxy")
          || key.equalsIgnoreCase("all_proxy")
          || key.equalsIgnoreCase("no_proxy")) {
        environment.remove(key);
      }
    }
    environment.putAll(env);
    Process p = builder.start();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not end in 20 s");
    }
    return new Run(p.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  private static ConditionFactory await() {
    return Awaitility.await().atMost(WORK).pollInterval(Duration.ofMillis(250)).ignoreExceptions();
  }
}
