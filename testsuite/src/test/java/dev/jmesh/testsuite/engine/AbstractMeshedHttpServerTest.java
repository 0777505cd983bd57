package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.MeshedJvm;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The engine in front of an HTTP server: on top of what every server gets, Istio's L7 policy
 * (paths, methods, JWT), local rate limiting, Envoy's hardening, the headers the application
 * learns its peer from, big bodies streamed through small heaps, and drain on shutdown (last: it
 * stops the server).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class AbstractMeshedHttpServerTest extends AbstractMeshedServerTest {

  static final long BIG = 100L * 1024 * 1024;

  @Override
  String portName() {
    return "http";
  }

  @Override
  ClientDriver.Result call(String host, int port) {
    return client.run("http GET http://" + host + ":" + port + "/hello");
  }

  @Override
  boolean answered(ClientDriver.Result result) {
    return result.ok() && result.status() == 200 && result.body().contains(kindMarker());
  }

  @Override
  boolean denied(ClientDriver.Result result) {
    return result.ok() && result.status() == 403 && result.body().contains("RBAC: access denied");
  }

  @Override
  boolean plaintextAnswered(int port) throws IOException {
    return RawHttp.get(port, "/hello").contains(kindMarker());
  }

  @Override
  String plaintextMarker() {
    return "GET /hello";
  }

  @Override
  MeshedJvm.Builder serverOptions(MeshedJvm.Builder server) {
    // Bodies stream: 100 MB crosses a 64 MB heap.
    return server
        .jvmFlags("-Xmx64m", "-XX:MaxDirectMemorySize=64m")
        .env("MESH_MAX_REQUEST_BODY_BYTES", Long.toString(2 * BIG))
        .env("MESH_DRAIN_TIMEOUT", "10s");
  }

  ClientDriver.Result get(String path, String... headers) {
    return client.run(
        "http GET http://" + service() + ":" + port + path + " " + String.join(" ", headers));
  }

  // ---- L7 authorization ----

  @Test
  void pathsMethodsAndTheirNegationsSelectRequests() throws Exception {
    apply(
        "authz",
        MeshPolicies.authorization(
            "public-reads",
            service(),
            "ALLOW",
            """
            rules:
            - to:
              - operation:
                  methods: ["GET"]
                  paths: ["/public/*", "/hello"]
                  notPaths: ["/public/secret"]
            """));
    await().until(() -> get("/private").status() == 403);
    assertThat(get("/public/page").status()).isEqualTo(200);
    assertThat(get("/hello").status()).isEqualTo(200);
    assertThat(get("/public/secret").status()).isEqualTo(403);
    ClientDriver.Result post = client.run("http POST http://" + service() + ":" + port + "/hello");
    assertThat(post.status()).isEqualTo(403);
    assertThat(post.body()).contains("RBAC: access denied");
  }

  @Test
  void aDenyPolicyWinsOverAnAllowPolicy() throws Exception {
    apply(
        "authz",
        MeshPolicies.authorization(
            "allow-all-paths",
            service(),
            "ALLOW",
            """
            rules:
            - to:
              - operation:
                  paths: ["*"]
            """));
    apply(
        "authz-deny",
        MeshPolicies.authorization(
            "deny-admin",
            service(),
            "DENY",
            """
            rules:
            - to:
              - operation:
                  paths: ["/admin*"]
            """));
    await().until(() -> get("/admin/users").status() == 403);
    assertThat(get("/hello").status()).isEqualTo(200);
  }

  // ---- JWT ----

  @Test
  void aValidJwtIsAcceptedAndAForgedOrExpiredOneRefused() throws Exception {
    TestJwt jwt = new TestJwt("https://issuer.example", "alice");
    apply("jwt", jwt.requestAuthentication(service()));
    apply(
        "authz",
        MeshPolicies.authorization(
            "require-jwt",
            service(),
            "ALLOW",
            """
            rules:
            - from:
              - source:
                  requestPrincipals: ["https://issuer.example/alice"]
            """));
    // No token, no request principal: refused once the policy is in force.
    await().until(() -> get("/hello").status() == 403);
    assertThat(get("/hello", "x-jwt:" + jwt.valid()).status()).isEqualTo(200);
    assertThat(get("/hello", "x-jwt:" + jwt.forged()).status()).isEqualTo(401);
    assertThat(get("/hello", "x-jwt:" + jwt.expired()).status()).isEqualTo(401);
  }

  // ---- rate limit ----

  @Test
  void localRateLimitAnswers429WithRateLimitHeaders() throws Exception {
    apply("ratelimit", RateLimits.envoyFilter(service(), 3, "60s"));
    await()
        .until(
            () -> {
              for (int i = 0; i < 5; i++) {
                if (RawHttp.status(RawHttp.get(port, "/hello")) == 429) {
                  return true;
                }
              }
              return false;
            });
    String limited = RawHttp.get(port, "/hello");
    assertThat(RawHttp.status(limited)).isEqualTo(429);
    assertThat(limited.toLowerCase()).contains("x-ratelimit-limit: 3").contains("x-ratelimit-remaining: 0");
  }

  // ---- what the application learns ----

  @Test
  void theApplicationLearnsItsPeerFromForwardedHeadersTheEngineSets() throws Exception {
    ClientDriver.Result meshed = get("/hello");
    assertThat(meshed.body())
        .contains("xff=127.0.0.1")
        .containsPattern("xfcc=By=" + SERVER_PRINCIPAL + ";Hash=[0-9a-f]{64};URI=" + CLIENT_PRINCIPAL);
    // A client cannot claim an identity: its own XFCC never reaches the application.
    String forged = RawHttp.get(port, "/hello", "X-Forwarded-Client-Cert: URI=spiffe://evil/sa/x");
    assertThat(forged).contains("xfcc=-").doesNotContain("spiffe://evil");
  }

  @Test
  void inboundRecordsCarryThePeerPrincipalAndWorkload() {
    assertThat(answered(call(service(), port))).isTrue();
    await()
        .untilAsserted(
            () ->
                assertThat(
                        server.metric(
                            "istio_requests_total",
                            "reporter", "destination",
                            "source_principal", CLIENT_PRINCIPAL,
                            "source_workload", "client",
                            "source_app", "client",
                            "destination_principal", SERVER_PRINCIPAL,
                            "response_code", "200",
                            "connection_security_policy", "mutual_tls"))
                    .isPositive());
  }

  // ---- hardening ----

  @Test
  void requestSmugglingIsRefused() throws Exception {
    String both =
        "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "0\r\n\r\n";
    assertThat(RawHttp.status(RawHttp.exchange(port, both))).isEqualTo(400);
    String twoLengths =
        "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde";
    assertThat(RawHttp.status(RawHttp.exchange(port, twoLengths))).isEqualTo(400);
    String folded = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n  b\r\n\r\n";
    assertThat(RawHttp.status(RawHttp.exchange(port, folded))).isEqualTo(400);
  }

  @Test
  void aSlowClientIsCutOff() throws Exception {
    long started = System.nanoTime();
    String answer = RawHttp.exchange(port, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
    // requestHeadersTimeout is 2 s here; the read would otherwise wait its own 5 s.
    assertThat(seconds).isLessThan(5);
    assertThat(answer).doesNotContain(kindMarker());
  }

  @Test
  void anOversizedBodyIsRefusedWith413() throws Exception {
    String huge =
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + (4 * BIG) + "\r\n\r\nabc";
    assertThat(RawHttp.status(RawHttp.exchange(port, huge))).isEqualTo(413);
  }

  // ---- big bodies ----

  @Test
  void hundredMegabytesUpAndDownThroughA64MegabyteHeap() {
    ClientDriver.Result up =
        client.run(
            "upload http://" + service() + ":" + port + "/upload " + BIG, Duration.ofMinutes(3));
    assertThat(up.status()).as(up.toString()).isEqualTo(200);
    assertThat(up.body()).contains("received=" + BIG);
    ClientDriver.Result down =
        client.run(
            "download http://" + service() + ":" + port + "/download?bytes=" + BIG + " " + BIG,
            Duration.ofMinutes(3));
    assertThat(down.field("bytes")).as(down.toString()).isEqualTo(Long.toString(BIG));
    // The engine never held the body: its direct memory stays small.
    assertThat(server.metric("jmesh_engine_direct_memory_bytes")).isLessThan(32 * 1024 * 1024);
  }

  // ---- drain: last, it stops the server ----

  @Test
  @Order(Integer.MAX_VALUE)
  void shutdownDrainsInFlightRequests() {
    // A request in flight when the server is told to stop…
    String id = "slow";
    client.jvm().send(id + " http GET http://" + service() + ":" + port + "/slow?ms=2000");
    sleepQuietly(700);
    server.terminate();
    // …still gets its answer.
    java.util.regex.Matcher m =
        client.jvm().awaitOutput("RESULT " + id + " (ok|error) ?(.*)", Duration.ofSeconds(30));
    assertThat(m.group(1)).isEqualTo("ok");
    assertThat(m.group(2)).contains("status=200").contains("slow=2000");
  }

  static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
