package dev.jmesh.instrumentation.apache.v4_3;

import dev.jmesh.instrumentation.testing.LoopbackBackend;
import dev.jmesh.instrumentation.testing.InProcessAdvice;
import dev.jmesh.instrumentation.testing.TestTls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.InputStreamEntity;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The classic client on the direct path, against real loopback endpoints. */
class ClassicDirectPathTest {

  private static final long MS = 1_000_000L;
  private static LoopbackBackend a;
  private static LoopbackBackend b;

  private ScriptedBridge mesh;
  private CloseableHttpClient client;

  @BeforeAll
  static void weaveAndStart() throws IOException {
    InProcessAdvice.install(new ApacheHttpClient4Module());
    a = LoopbackBackend.plain("127.0.0.2");
    b = LoopbackBackend.plain("127.0.0.3");
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
  }

  @BeforeEach
  void setUp() {
    a.reset();
    b.reset();
    mesh = ScriptedBridge.install();
    client = HttpClients.createDefault();
  }

  @AfterEach
  void tearDown() throws IOException {
    client.close();
    mesh.close();
  }

  private String get(String url) throws IOException {
    try (CloseableHttpResponse r = client.execute(new HttpGet(url))) {
      return r.getStatusLine().getStatusCode() + " " + EntityUtils.toString(r.getEntity());
    }
  }

  @Test
  void retargetsToTheEndpointAndKeepsTheApplicationsHost() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(a.address()).setRequestHeader("x-mesh", "v1");
    mesh.route("reviews", 9080, r -> call);

    assertThat(get("http://reviews:9080/books?id=1")).isEqualTo("200 127.0.0.2 200");

    LoopbackBackend.Seen seen = a.seen().get(0);
    assertThat(seen.host()).isEqualTo("reviews:9080");
    assertThat(seen.path()).isEqualTo("/books?id=1");
    assertThat(seen.meshHeader()).isEqualTo("v1");
    assertThat(call.library()).isEqualTo("apache-httpclient-4");
    assertThat(call.path()).isEqualTo("/books?id=1");
    assertThat(call.capabilities() & MeshCall.CAN_TLS).isNotZero();
    assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isZero();
    assertThat(call.attempts()).hasSize(1);
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
    assertThat(mesh.calls()).hasSize(1);
  }

  @Test
  void theDirectConnectIsLetThroughBySocketHooks() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(a.address());
    mesh.route("reviews", 9080, r -> call);
    try (CloseableHttpClient hooked =
        HttpClients.custom()
            .setConnectionManager(
                new PoolingHttpClientConnectionManager(
                    RegistryBuilder.<ConnectionSocketFactory>create()
                        .register("http", new HookedSocketFactory())
                        .build()))
            .build()) {
      try (CloseableHttpResponse r = hooked.execute(new HttpGet("http://reviews:9080/"))) {
        assertThat(r.getStatusLine().getStatusCode()).isEqualTo(200);
      }
      assertThat(mesh.connects()).isEmpty();

      // A redirect Apache follows to another host inside an attempt is not the mesh's decision:
      // its connect meets the hook (and so the engine), as the application's own connects do.
      a.redirect("http://127.0.0.3:" + b.address().getPort() + "/moved");
      try (CloseableHttpResponse r = hooked.execute(new HttpGet("http://reviews:9080/old"))) {
        assertThat(r.getStatusLine().getStatusCode()).isEqualTo(200);
      }
      assertThat(b.seen().get(b.seen().size() - 1).path()).isEqualTo("/moved");
      assertThat(mesh.calls()).hasSize(2);
      assertThat(mesh.connects()).hasSize(1);
    }
  }

  @Test
  void theMinimalClientIsRetargetedToo() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(b.address());
    mesh.route("reviews", 9080, r -> call);
    try (CloseableHttpClient minimal = HttpClients.createMinimal();
        CloseableHttpResponse r = minimal.execute(new HttpGet("http://reviews:9080/m"))) {
      assertThat(r.getStatusLine().getStatusCode()).isEqualTo(200);
      EntityUtils.consume(r.getEntity());
    }
    assertThat(b.seen().get(0).host()).isEqualTo("reviews:9080");
    assertThat(call.finishedStatus()).isEqualTo(200);
  }

  @Test
  void thePoolKeepsAConnectionPerEndpoint() throws Exception {
    int[] turn = {0};
    mesh.route(
        "reviews",
        9080,
        r -> new ScriptedCall().endpoints(turn[0]++ % 2 == 0 ? a.address() : b.address()));

    for (int i = 0; i < 6; i++) {
      get("http://reviews:9080/");
    }

    assertThat(a.requests()).isEqualTo(3);
    assertThat(b.requests()).isEqualTo(3);
    // Keep-alive per endpoint: each endpoint saw all its requests on one connection.
    assertThat(a.seen().stream().map(LoopbackBackend.Seen::clientPort).distinct()).hasSize(1);
    assertThat(b.seen().stream().map(LoopbackBackend.Seen::clientPort).distinct()).hasSize(1);
  }

  @Test
  void retriesA503OnTheOtherEndpoint() throws Exception {
    a.status(503);
    ScriptedCall call = new ScriptedCall().endpoints(a.address(), b.address()).retry(2, 503);
    mesh.route("reviews", 9080, r -> call);

    assertThat(get("http://reviews:9080/")).isEqualTo("200 127.0.0.3 200");

    assertThat(call.attempts()).extracting(ScriptedCall.Attempt::status).containsExactly(503, 200);
    assertThat(call.attempts().get(0).endpoint()).isEqualTo(a.address());
    assertThat(call.finishedStatus()).isEqualTo(200);
    // The discarded 503 left the pool usable: the next call to a works.
    a.status(200);
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(a.address()));
    assertThat(get("http://reviews:9080/")).isEqualTo("200 127.0.0.2 200");
  }

  @Test
  void aRepeatableBodyIsSentAgainOnRetry() throws Exception {
    a.status(503);
    ScriptedCall call = new ScriptedCall().endpoints(a.address(), b.address()).retry(1, 503);
    mesh.route("reviews", 9080, r -> call);
    HttpPost post = new HttpPost("http://reviews:9080/rate");
    post.setEntity(new StringEntity("five stars", ContentType.TEXT_PLAIN));

    try (CloseableHttpResponse r = client.execute(post)) {
      assertThat(r.getStatusLine().getStatusCode()).isEqualTo(200);
    }

    assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isZero();
    assertThat(a.seen().get(0).body()).isEqualTo("five stars");
    assertThat(b.seen().get(0).body()).isEqualTo("five stars");
  }

  @Test
  void aStreamedBodyIsFlaggedOneShot() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(a.address());
    mesh.route("reviews", 9080, r -> call);
    HttpPost post = new HttpPost("http://reviews:9080/upload");
    post.setEntity(
        new InputStreamEntity(
            new ByteArrayInputStream("stream".getBytes(StandardCharsets.UTF_8)),
            6,
            ContentType.TEXT_PLAIN));

    try (CloseableHttpResponse r = client.execute(post)) {
      assertThat(r.getStatusLine().getStatusCode()).isEqualTo(200);
    }

    assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isNotZero();
    assertThat(a.seen().get(0).body()).isEqualTo("stream");
  }

  @Test
  void aSlowAttemptTimesOutAndTheRetryGoesElsewhere() throws Exception {
    a.delayMillis(3_000);
    ScriptedCall call =
        new ScriptedCall().endpoints(a.address(), b.address()).retry(1).perTryTimeout(300 * MS);
    mesh.route("reviews", 9080, r -> call);

    long start = System.nanoTime();
    assertThat(get("http://reviews:9080/")).isEqualTo("200 127.0.0.3 200");
    long tookMs = (System.nanoTime() - start) / MS;

    assertThat(tookMs).isBetween(250L, 2_000L);
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.TIMEOUT, MeshCall.NO_FAILURE);
  }

  @Test
  void theRouteTimeoutEndsTheCallWithASocketTimeout() throws Exception {
    a.delayMillis(3_000);
    ScriptedCall call = new ScriptedCall().endpoints(a.address()).timeout(400 * MS);
    mesh.route("reviews", 9080, r -> call);

    long start = System.nanoTime();
    assertThatThrownBy(() -> get("http://reviews:9080/"))
        .isInstanceOf(SocketTimeoutException.class)
        .hasMessageContaining("route timeout");
    long tookMs = (System.nanoTime() - start) / MS;

    assertThat(tookMs).isBetween(350L, 2_000L);
    assertThat(call.wasTimedOut()).isTrue();
    assertThat(call.finishedStatus()).isEqualTo(504);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void aFaultDelayWaitsBeforeSending() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(a.address()).delay(300 * MS);
    mesh.route("reviews", 9080, r -> call);

    long start = System.nanoTime();
    assertThat(get("http://reviews:9080/")).startsWith("200");
    assertThat((System.nanoTime() - start) / MS).isGreaterThanOrEqualTo(290L);
  }

  @Test
  void aLocalReplyNeverTouchesTheNetwork() throws Exception {
    ScriptedCall call =
        new ScriptedCall()
            .reply(503, "no healthy upstream")
            .setResponseHeader("x-mesh-reply", "uh");
    mesh.route("reviews", 9080, r -> call);

    try (CloseableHttpResponse r = client.execute(new HttpGet("http://reviews:9080/"))) {
      assertThat(r.getStatusLine().getStatusCode()).isEqualTo(503);
      assertThat(EntityUtils.toString(r.getEntity())).isEqualTo("no healthy upstream");
      assertThat(r.getFirstHeader("x-mesh-reply").getValue()).isEqualTo("uh");
    }
    assertThat(call.finishedStatus()).isEqualTo(503);
    assertThat(a.requests() + b.requests()).isZero();
  }

  @Test
  void aRedirectReplyCarriesItsLocation() throws Exception {
    mesh.route("reviews", 9080, r -> new ScriptedCall().redirect(301, "http://ratings:9080/x"));
    HttpGet get = new HttpGet("http://reviews:9080/");
    get.setConfig(
        org.apache.http.client.config.RequestConfig.custom().setRedirectsEnabled(false).build());
    try (CloseableHttpResponse r = client.execute(get)) {
      assertThat(r.getStatusLine().getStatusCode()).isEqualTo(301);
      assertThat(r.getFirstHeader("Location").getValue()).isEqualTo("http://ratings:9080/x");
    }
  }

  @Test
  void failedConnectsEndWithTheLibrarysExceptionAnd503() throws Exception {
    InetSocketAddress closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.5"))) {
      closed = new InetSocketAddress(s.getInetAddress(), s.getLocalPort());
    }
    ScriptedCall call = new ScriptedCall().endpoints(closed).retry(1);
    mesh.route("reviews", 9080, r -> call);

    assertThatThrownBy(() -> get("http://reviews:9080/")).isInstanceOf(ConnectException.class);
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.CONNECT_FAILURE, MeshCall.CONNECT_FAILURE);
    assertThat(call.finishedStatus()).isEqualTo(503);
  }

  @Test
  void hostsTheMeshDoesNotKnowAreLeftUntouched() throws Exception {
    String url = "http://127.0.0.2:" + a.address().getPort() + "/plain";
    assertThat(get(url)).startsWith("200");
    assertThat(mesh.untouched())
        .containsExactly("apache-httpclient-4 GET 127.0.0.2:" + a.address().getPort() + " /plain");
    assertThat(mesh.calls()).isEmpty();
  }

  @Test
  void aFailingDataPathLeavesCallsWorking() throws Exception {
    mesh.route(
        "127.0.0.3",
        b.address().getPort(),
        r -> {
          throw new IllegalStateException("data path broken");
        });
    assertThat(get("http://127.0.0.3:" + b.address().getPort() + "/")).startsWith("200");
  }

  @Test
  void mutualTlsGoesUnderTheApplicationsCleartext() throws Exception {
    TestTls tls = new TestTls();
    try (LoopbackBackend secure = LoopbackBackend.mutualTls("127.0.0.4", tls.server)) {
      mesh.tls(secure.address(), tls.client);
      ScriptedCall call = new ScriptedCall().endpoints(secure.address()).tls(tls.client);
      mesh.route("reviews", 9080, r -> call);

      assertThat(get("http://reviews:9080/secure")).isEqualTo("200 127.0.0.4-tls 200");
      assertThat(get("http://reviews:9080/again")).isEqualTo("200 127.0.0.4-tls 200");

      assertThat(secure.seen()).extracting(LoopbackBackend.Seen::peer).containsOnly("CN=productpage");
      assertThat(secure.seen().get(0).host()).isEqualTo("reviews:9080");
      assertThat(secure.connections()).isEqualTo(1);
    }
  }

  @Test
  void theApplicationsCancelEndsTheCall() throws Exception {
    a.delayMillis(3_000);
    ScriptedCall call = new ScriptedCall().endpoints(a.address());
    mesh.route("reviews", 9080, r -> call);
    HttpGet get = new HttpGet("http://reviews:9080/");
    Thread canceller =
        new Thread(
            () -> {
              try {
                TimeUnit.MILLISECONDS.sleep(300);
              } catch (InterruptedException ignored) {
                return;
              }
              get.abort();
            });
    canceller.start();
    assertThatThrownBy(() -> client.execute(get).close()).isInstanceOf(IOException.class);
    canceller.join(2_000);
    assertThat(call.wasCancelled()).isTrue();
    assertThat(call.finishes()).isEqualTo(1);
  }
}
