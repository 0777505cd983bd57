package dev.jmesh.instrumentation.jdkurlconnection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The direct path of {@link HttpURLConnection} against real loopback servers, with the module's
 * advice woven into this JVM's JDK classes and a scripted data path. The application always asks
 * for {@code http://reviews:9080/…}, a name no DNS knows: only the mesh can get it anywhere.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpUrlConnectionDirectPathTest {

  private static Backend v1;
  private static Backend v2;

  /** Not a mesh endpoint: its own IP, so no connection of the direct path is ever cached for it. */
  private static Backend outside;

  private ScriptedBridge mesh;

  @BeforeAll
  static void weaveAndStartBackends() throws Exception {
    InProcessAgent.install();
    v1 = Backend.http("v1", "127.0.0.2");
    v2 = Backend.http("v2", "127.0.0.3");
    outside = Backend.http("outside", "127.0.0.5");
  }

  @AfterAll
  static void stopBackends() {
    v1.close();
    v2.close();
    outside.close();
  }

  @BeforeEach
  void installMesh() {
    mesh = ScriptedBridge.install();
    v1.seen.clear();
    v2.seen.clear();
  }

  @AfterEach
  void uninstallMesh() {
    mesh.close();
  }

  @Test
  void retargetedRequestKeepsTheApplicationsHostAndPath() throws Exception {
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(v1.address()));

    Response response = get("http://reviews:9080/hello?x=1");

    assertThat(response.status).isEqualTo(200);
    assertThat(response.body).isEqualTo("v1 /hello?x=1");
    assertThat(v1.seen)
        .singleElement()
        .satisfies(
            seen -> {
              assertThat(seen.host()).isEqualTo("reviews:9080");
              assertThat(seen.path()).isEqualTo("/hello?x=1");
            });
    ScriptedCall call = onlyCall();
    assertThat(call.library()).isEqualTo("jdk-urlconnection");
    assertThat(call.method()).isEqualTo("GET");
    assertThat(call.path()).isEqualTo("/hello?x=1");
    assertThat(call.attempts())
        .singleElement()
        .satisfies(a -> assertThat(a.status()).isEqualTo(200));
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
    assertThat(call.bytesReceived()).isZero();
    // The connect to the endpoint was marked direct: the socket hook never saw it.
    assertThat(mesh.connects()).doesNotContain(v1.address());
  }

  @Test
  void routeHeaderChangesReachTheServer() throws Exception {
    mesh.route(
        "reviews",
        9080,
        r -> new ScriptedCall().endpoints(v1.address()).setRequestHeader("x-mesh-route", "v1"));

    assertThat(get("http://reviews:9080/h").status).isEqualTo(200);

    assertThat(v1.seen)
        .singleElement()
        .satisfies(seen -> assertThat(seen.meshHeader()).isEqualTo("v1"));
  }

  @Test
  void keepAliveConnectionsArePerEndpoint() throws Exception {
    ScriptedCall[] script = {
      new ScriptedCall().endpoints(v1.address()),
      new ScriptedCall().endpoints(v2.address()),
      new ScriptedCall().endpoints(v1.address())
    };
    int[] next = {0};
    mesh.route("reviews", 9080, r -> script[next[0]++]);

    assertThat(get("http://reviews:9080/a").body).isEqualTo("v1 /a");
    assertThat(get("http://reviews:9080/b").body).isEqualTo("v2 /b");
    assertThat(get("http://reviews:9080/c").body).isEqualTo("v1 /c");

    // The third request reused the first one's connection to v1, never v2's.
    assertThat(v1.seen).hasSize(2);
    assertThat(v1.seen.get(1).clientPort()).isEqualTo(v1.seen.get(0).clientPort());
    assertThat(v2.seen).hasSize(1);
  }

  @Test
  void reconnectAfterAStaleKeepAliveConnectionStaysDirect() throws Exception {
    try (OneRequestPerConnectionBackend flaky = new OneRequestPerConnectionBackend("127.0.0.6")) {
      mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(flaky.address()));

      assertThat(get("http://reviews:9080/first").body).isEqualTo("ok");
      Thread.sleep(100);
      // The cached connection is closed by now: the JDK connects again, within the same request.
      assertThat(get("http://reviews:9080/second").body).isEqualTo("ok");

      assertThat(flaky.connections.get()).isEqualTo(2);
      assertThat(mesh.connects()).doesNotContain(flaky.address());
      assertThat(mesh.calls()).allSatisfy(c -> assertThat(c.finishedStatus()).isEqualTo(200));
    }
  }

  @Test
  void connectFailureMovesOnToTheNextEndpoint() throws Exception {
    InetSocketAddress dead = deadEndpoint();
    ScriptedCall call = new ScriptedCall().endpoints(dead, v2.address()).retry(1);
    mesh.route("reviews", 9080, r -> call);

    Response response = get("http://reviews:9080/r");

    assertThat(response.body).isEqualTo("v2 /r");
    assertThat(call.attempts()).hasSize(2);
    assertThat(call.attempts().get(0).endpoint()).isEqualTo(dead);
    assertThat(call.attempts().get(0).failure()).isEqualTo(MeshCall.CONNECT_FAILURE);
    assertThat(call.attempts().get(1).status()).isEqualTo(200);
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void retriableStatusIsSentAgainToTheNextEndpointWithItsBody() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(v1.address(), v2.address()).retry(2, 503);
    mesh.route("reviews", 9080, r -> call);

    Response response = post("http://reviews:9080/unavailable", "order=1", false);

    assertThat(response.status).isEqualTo(200);
    assertThat(response.body).isEqualTo("v2 /unavailable");
    assertThat(v1.seen)
        .singleElement()
        .satisfies(seen -> assertThat(seen.body()).isEqualTo("order=1"));
    assertThat(v2.seen)
        .singleElement()
        .satisfies(
            seen -> {
              assertThat(seen.body()).isEqualTo("order=1");
              assertThat(seen.host()).isEqualTo("reviews:9080");
            });
    assertThat(call.attempts()).extracting(ScriptedCall.Attempt::status).containsExactly(503, 200);
    assertThat(call.attempts().get(1).endpoint()).isEqualTo(v2.address());
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
    assertThat(mesh.calls()).hasSize(1);
  }

  @Test
  void streamedBodyIsNeverSentTwice() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(v1.address(), v2.address()).retry(2, 503);
    mesh.route("reviews", 9080, r -> call);

    HttpURLConnection c =
        (HttpURLConnection) new URL("http://reviews:9080/unavailable").openConnection();
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setChunkedStreamingMode(0);
    try (OutputStream out = c.getOutputStream()) {
      out.write("streamed".getBytes(StandardCharsets.UTF_8));
    }

    assertThat(c.getResponseCode()).isEqualTo(503);
    assertThat(v2.seen).isEmpty();
    assertThat(call.attempts())
        .singleElement()
        .satisfies(a -> assertThat(a.status()).isEqualTo(503));
    assertThat(call.finishedStatus()).isEqualTo(503);
    assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isNotZero();
  }

  @Test
  void connectFailureWithoutRetryIsTheApplicationsConnectException() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(deadEndpoint());
    mesh.route("reviews", 9080, r -> call);

    assertThatThrownBy(() -> get("http://reviews:9080/r")).isInstanceOf(ConnectException.class);

    assertThat(call.attempts())
        .singleElement()
        .satisfies(a -> assertThat(a.failure()).isEqualTo(MeshCall.CONNECT_FAILURE));
    assertThat(call.finishedStatus()).isEqualTo(503);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void perTryTimeoutIsASocketTimeoutForTheApplication() throws Exception {
    ScriptedCall call =
        new ScriptedCall()
            .endpoints(v1.address())
            .perTryTimeout(TimeUnit.MILLISECONDS.toNanos(300));
    mesh.route("reviews", 9080, r -> call);

    long start = System.nanoTime();
    assertThatThrownBy(() -> get("http://reviews:9080/slow"))
        .isInstanceOf(SocketTimeoutException.class);

    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(1_500));
    assertThat(call.wasTimedOut()).isTrue();
    assertThat(call.finishedStatus()).isEqualTo(504);
    assertThat(call.attempts())
        .singleElement()
        .satisfies(a -> assertThat(a.failure()).isEqualTo(MeshCall.TIMEOUT));
  }

  @Test
  void overallTimeoutIsASocketTimeoutAndA504() throws Exception {
    ScriptedCall call =
        new ScriptedCall().endpoints(v1.address()).timeout(TimeUnit.MILLISECONDS.toNanos(300));
    mesh.route("reviews", 9080, r -> call);

    long start = System.nanoTime();
    assertThatThrownBy(() -> get("http://reviews:9080/slow"))
        .isInstanceOf(SocketTimeoutException.class);

    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(1_500));
    assertThat(call.wasTimedOut()).isTrue();
    assertThat(call.finishedStatus()).isEqualTo(504);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void perTryTimeoutIsRetriedOnTheNextEndpoint() throws Exception {
    ScriptedCall call =
        new ScriptedCall()
            .endpoints(v1.address(), v2.address())
            .retry(1)
            .perTryTimeout(TimeUnit.MILLISECONDS.toNanos(300));
    mesh.route("reviews", 9080, r -> call);

    long start = System.nanoTime();
    Response response = get("http://reviews:9080/slow");

    assertThat(response.body).isEqualTo("v2 /slow");
    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(1_500));
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.TIMEOUT, MeshCall.NO_FAILURE);
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void disconnectBeforeTheResponseIsACancelledCall() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(v1.address());
    mesh.route("reviews", 9080, r -> call);

    HttpURLConnection c = (HttpURLConnection) new URL("http://reviews:9080/x").openConnection();
    c.connect();
    c.disconnect();

    assertThat(call.wasCancelled()).isTrue();
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void connectionDroppedBeforeItsResponseEndsItsCallWhenCollected() throws Exception {
    ScriptedCall dropped = new ScriptedCall().endpoints(v1.address());
    mesh.route("reviews", 9080, r -> dropped);
    openAndDrop("http://reviews:9080/never-read");
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(v1.address()));

    // The mesh notices collected connections when it next records one.
    for (int i = 0; i < 50 && dropped.finishes() == 0; i++) {
      System.gc();
      Thread.sleep(20);
      get("http://reviews:9080/next");
    }

    assertThat(dropped.wasCancelled()).isTrue();
    assertThat(dropped.finishes()).isEqualTo(1);
  }

  private static void openAndDrop(String url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
    c.connect();
  }

  @Test
  void faultDelayWaitsBeforeSending() throws Exception {
    mesh.route(
        "reviews",
        9080,
        r -> new ScriptedCall().endpoints(v1.address()).delay(TimeUnit.MILLISECONDS.toNanos(300)));

    long start = System.nanoTime();
    assertThat(get("http://reviews:9080/d").status).isEqualTo(200);

    assertThat(System.nanoTime() - start)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
  }

  @Test
  void faultDelaysOfConcurrentRequestsOverlap() throws Exception {
    mesh.route(
        "reviews",
        9080,
        r -> new ScriptedCall().endpoints(v1.address()).delay(TimeUnit.MILLISECONDS.toNanos(500)));
    int requests = 20;
    // Virtual threads where the JDK has them (21+): parking there must not pin a carrier.
    ExecutorService pool = virtualThreadsOr(() -> Executors.newFixedThreadPool(requests));
    try {
      long start = System.nanoTime();
      List<Future<Response>> responses = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        responses.add(pool.submit(() -> get("http://reviews:9080/concurrent")));
      }
      for (Future<Response> response : responses) {
        assertThat(response.get(10, TimeUnit.SECONDS).status).isEqualTo(200);
      }

      // One after another they would take 10 s; half of that leaves room for a loaded machine.
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(5_000));
      assertThat(mesh.calls())
          .hasSize(requests)
          .allSatisfy(c -> assertThat(c.finishedStatus()).isEqualTo(200));
    } finally {
      pool.shutdownNow();
    }
  }

  private static ExecutorService virtualThreadsOr(Supplier<ExecutorService> fallback) {
    try {
      return (ExecutorService)
          Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
    } catch (ReflectiveOperationException e) {
      return fallback.get();
    }
  }

  @Test
  void redirectToTheSameAuthorityStaysOneCall() throws Exception {
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(v1.address()));

    Response response = get("http://reviews:9080/redirect");

    assertThat(response.body).isEqualTo("v1 /hello");
    assertThat(v1.seen).extracting(Backend.Seen::host).containsOnly("reviews:9080");
    ScriptedCall call = onlyCall();
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void redirectToAnotherAuthorityIsANewCall() throws Exception {
    ScriptedCall reviews = new ScriptedCall().endpoints(v1.address());
    ScriptedCall ratings = new ScriptedCall().endpoints(v2.address());
    mesh.route("reviews", 9080, r -> reviews);
    mesh.route("ratings", 9080, r -> ratings);

    Response response = get("http://reviews:9080/away");

    assertThat(response.body).isEqualTo("v2 /landed");
    assertThat(v2.seen)
        .singleElement()
        .satisfies(seen -> assertThat(seen.host()).isEqualTo("ratings:9080"));
    assertThat(mesh.calls()).containsExactly(reviews, ratings);
    assertThat(reviews.finishedStatus()).isEqualTo(302);
    assertThat(ratings.finishedStatus()).isEqualTo(200);
    assertThat(reviews.finishes() + ratings.finishes()).isEqualTo(2);
  }

  @Test
  void streamingBodyIsDecidedAsOneShot() throws Exception {
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(v1.address()));

    assertThat(post("http://reviews:9080/buffered", "abc", false).status).isEqualTo(200);
    assertThat(post("http://reviews:9080/streamed", "abc", true).status).isEqualTo(200);

    assertThat(mesh.calls()).hasSize(2);
    assertThat(mesh.calls().get(0).method()).isEqualTo("POST");
    assertThat(mesh.calls().get(0).capabilities() & MeshCall.ONE_SHOT_BODY).isZero();
    assertThat(mesh.calls().get(1).capabilities() & MeshCall.ONE_SHOT_BODY).isNotZero();
    assertThat(mesh.calls()).allSatisfy(c -> assertThat(c.finishedStatus()).isEqualTo(200));
  }

  @Test
  void mutualTlsOnTheApplicationsOwnConnection() throws Exception {
    SSLContext workload = SelfSignedTls.context("workload");
    try (MutualTlsBackend secured = new MutualTlsBackend("ratings", "127.0.0.3", workload)) {
      mesh.route(
          "ratings", 9080, r -> new ScriptedCall().endpoints(secured.address()).tls(workload));

      Response response = get("http://ratings:9080/stars");

      assertThat(response.body).isEqualTo("ratings /stars");
      assertThat(secured.seen)
          .singleElement()
          .satisfies(
              seen -> {
                assertThat(seen.host()).isEqualTo("ratings:9080");
                assertThat(seen.peer()).isEqualTo("CN=workload");
              });
      assertThat(onlyCall().finishedStatus()).isEqualTo(200);
    }
  }

  @Test
  void aKeptAlivePlaintextConnectionNeverCarriesACallTheMeshWantsInMutualTls() throws Exception {
    SSLContext workload = SelfSignedTls.context("workload");
    ScriptedCall[] script = {
      new ScriptedCall().endpoints(v1.address()),
      new ScriptedCall().endpoints(v1.address()).tls(workload)
    };
    int[] next = {0};
    mesh.route("reviews", 9080, r -> script[next[0]++]);
    assertThat(get("http://reviews:9080/plain").body).isEqualTo("v1 /plain");

    // The endpoint now requires mTLS (a PeerAuthentication turned STRICT): the kept-alive
    // plaintext connection is closed rather than reused, and the new one starts a TLS handshake,
    // which this plaintext server cannot answer.
    assertThatThrownBy(() -> get("http://reviews:9080/secured")).isInstanceOf(IOException.class);
    assertThat(v1.seen).as("the secured call never reached the server in plaintext").hasSize(1);
  }

  @Test
  void hostsTheMeshDoesNotKnowAreUntouched() throws Exception {
    String url = "http://127.0.0.5:" + outside.port() + "/plain";

    assertThat(get(url).body).isEqualTo("outside /plain");

    assertThat(mesh.calls()).isEmpty();
    assertThat(mesh.untouched())
        .containsExactly("jdk-urlconnection GET 127.0.0.5:" + outside.port() + " /plain");
    // Not marked direct: the socket hook saw it (and would have sent a mesh address to the engine).
    assertThat(mesh.connects()).contains(outside.address());
  }

  @Test
  void dataPathFailureLeavesTheRequestAsWritten() throws Exception {
    mesh.route(
        "127.0.0.5",
        outside.port(),
        r -> {
          throw new IllegalStateException("data path broken");
        });

    assertThat(get("http://127.0.0.5:" + outside.port() + "/p").body).isEqualTo("outside /p");
    assertThat(mesh.calls()).isEmpty();
  }

  @Test
  void httpsIsNeverDecided() throws Exception {
    mesh.route("127.0.0.2", v1.port(), r -> new ScriptedCall().endpoints(v2.address()));

    HttpURLConnection c =
        (HttpURLConnection) new URL("https://127.0.0.2:" + v1.port() + "/tls").openConnection();
    c.setConnectTimeout(1_000);
    c.setReadTimeout(1_000);
    // A plain HTTP server: the application's own handshake fails, as it would without the mesh.
    assertThatThrownBy(c::getResponseCode).isInstanceOf(IOException.class);
    assertThat(mesh.calls()).isEmpty();
    assertThat(v2.seen).isEmpty();
  }

  private ScriptedCall onlyCall() {
    assertThat(mesh.calls()).hasSize(1);
    return mesh.calls().get(0);
  }

  /** An address nothing listens on: a port that was just released, on its own loopback IP. */
  private static InetSocketAddress deadEndpoint() throws IOException {
    InetAddress ip = InetAddress.getByName("127.0.0.4");
    try (ServerSocket s = new ServerSocket(0, 1, ip)) {
      return new InetSocketAddress(ip, s.getLocalPort());
    }
  }

  record Response(int status, String body) {}

  private static Response get(String url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout(5_000);
    return read(c);
  }

  private static Response post(String url, String body, boolean streaming) throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout(5_000);
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (streaming) {
      c.setFixedLengthStreamingMode(bytes.length);
    }
    try (OutputStream out = c.getOutputStream()) {
      out.write(bytes);
    }
    return read(c);
  }

  private static Response read(HttpURLConnection c) throws IOException {
    int status = c.getResponseCode();
    try (InputStream in = c.getInputStream()) {
      return new Response(status, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
