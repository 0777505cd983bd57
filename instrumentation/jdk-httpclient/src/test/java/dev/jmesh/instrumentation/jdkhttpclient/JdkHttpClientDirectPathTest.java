package dev.jmesh.instrumentation.jdkhttpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import java.io.ByteArrayInputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class JdkHttpClientDirectPathTest {

  private static final long MS = 1_000_000L;

  private ScriptedBridge mesh;
  private Backend v1;
  private Backend v2;
  private HttpClient client;

  @BeforeAll
  static void installAgent() {
    DirectPathInstaller.install();
  }

  @BeforeEach
  void setUp() throws Exception {
    mesh = ScriptedBridge.install();
    v1 = new Backend("127.0.0.2", "v1");
    v2 = new Backend("127.0.0.3", "v2");
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    assertThat(DirectPathInstaller.boundRequestsAfterSettling()).isZero();
    mesh.close();
    v1.close();
    v2.close();
  }

  private static HttpRequest get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).build();
  }

  @Test
  void aWebSocketsOpeningHandshakeIsLeftToTheSocketCapture() throws Exception {
    // A minimal WebSocket server: answers the opening handshake with 101, then holds the socket.
    try (java.net.ServerSocket server =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.4"))) {
      int port = server.getLocalPort();
      mesh.route("127.0.0.4", port, request -> new ScriptedCall().endpoints(v1.address()));
      Thread accept =
          new Thread(
              () -> {
                try (java.net.Socket s = server.accept()) {
                  java.io.BufferedReader in =
                      new java.io.BufferedReader(
                          new java.io.InputStreamReader(
                              s.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
                  String key = null;
                  for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-key:")) {
                      key = line.substring(line.indexOf(':') + 1).trim();
                    }
                  }
                  String accepted =
                      java.util.Base64.getEncoder()
                          .encodeToString(
                              java.security.MessageDigest.getInstance("SHA-1")
                                  .digest(
                                      (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                          .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
                  s.getOutputStream()
                      .write(
                          ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                  + "Connection: Upgrade\r\nSec-WebSocket-Accept: "
                                  + accepted
                                  + "\r\n\r\n")
                              .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                  s.getInputStream().read();
                } catch (Exception e) {
                  // The test's assertions say what went wrong.
                }
              });
      accept.start();
      java.net.http.WebSocket ws =
          client
              .newWebSocketBuilder()
              .buildAsync(
                  URI.create("ws://127.0.0.4:" + port + "/"),
                  new java.net.http.WebSocket.Listener() {})
              .get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(mesh.calls()).as("the handshake was never decided").isEmpty();
      assertThat(v1.seen()).isEmpty();
      ws.abort();
      accept.join(5_000);
    }
  }

  @Test
  void sendGoesToTheEndpointAndKeepsTheApplicationsHost() throws Exception {
    ScriptedCall call =
        new ScriptedCall().endpoints(v1.address()).setRequestHeader("x-mesh", "routed");
    mesh.route("reviews", 9080, r -> call);

    HttpResponse<String> response =
        client.send(get("http://reviews:9080/books?id=1"), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("v1");
    assertThat(response.uri()).isEqualTo(URI.create("http://reviews:9080/books?id=1"));
    assertThat(v1.seen())
        .singleElement()
        .satisfies(
            seen -> {
              assertThat(seen.host()).isEqualTo("reviews:9080");
              assertThat(seen.target()).isEqualTo("/books?id=1");
              assertThat(seen.meshHeader()).isEqualTo("routed");
            });
    assertThat(call.library()).isEqualTo("jdk-httpclient");
    assertThat(call.path()).isEqualTo("/books?id=1");
    assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isZero();
    assertThat(call.capabilities() & MeshCall.CAN_RETRY).isNotZero();
    assertThat(call.attempts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.endpoint()).isEqualTo(v1.address());
              assertThat(a.status()).isEqualTo(200);
            });
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void aRedirectOnTheSameAuthorityFollowsTheAttemptsEndpoint() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(v1.address());
    mesh.route("reviews", 9080, r -> call);
    HttpClient following =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();

    HttpResponse<String> response =
        following.send(get("http://reviews:9080/moved"), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(v1.seen()).extracting(Backend.Seen::target).containsExactly("/moved", "/landed");
    assertThat(v1.seen()).extracting(Backend.Seen::host).containsOnly("reviews:9080");
    assertThat(mesh.calls()).hasSize(1);
    assertThat(call.attempts())
        .singleElement()
        .extracting(ScriptedCall.Attempt::status)
        .isEqualTo(200);
  }

  @Test
  void theDirectConnectIsLetThroughTheSocketCapture() throws Exception {
    // The endpoint reaches the connect as the MeshEndpointAddress itself, so the socket hook does
    // not send it through the engine; an unmeshed request's connect is still seen by the capture.
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(v1.address()));

    client.send(get("http://reviews:9080/"), HttpResponse.BodyHandlers.ofString());
    client.send(
        get("http://127.0.0.3:" + v2.address().getPort() + "/"),
        HttpResponse.BodyHandlers.ofString());

    assertThat(mesh.connects()).contains(v2.address()).doesNotContain(v1.address());
  }

  @Test
  void eachEndpointGetsItsOwnPooledConnection() throws Exception {
    // A 50/50 split alternates endpoints; with one connection per endpoint in the client's pool, a
    // kept-alive connection to v1 can never carry a request routed to v2.
    int[] turn = {0};
    mesh.route(
        "reviews",
        9080,
        r -> new ScriptedCall().endpoints(turn[0]++ % 2 == 0 ? v1.address() : v2.address()));
    for (int i = 0; i < 6; i++) {
      client.send(get("http://reviews:9080/r" + i), HttpResponse.BodyHandlers.ofString());
    }
    assertThat(v1.seen()).extracting(Backend.Seen::target).containsExactly("/r0", "/r2", "/r4");
    assertThat(v2.seen()).extracting(Backend.Seen::target).containsExactly("/r1", "/r3", "/r5");
    assertThat(v1.connections()).hasSize(1);
    assertThat(v2.connections()).hasSize(1);
  }

  @Test
  void theDefaultClientKeepsTheSplitWhenTheUpgradeIsDeclined() throws Exception {
    // The default client asks for HTTP/2 (h2c upgrade on http://); this upstream declines it, and
    // the HTTP/1.1 connections stay per endpoint. JdkHttpClientHttp2Test covers an accepted one.
    HttpClient h2 = HttpClient.newHttpClient();
    int[] turn = {0};
    mesh.route(
        "reviews",
        9080,
        r -> new ScriptedCall().endpoints(turn[0]++ % 2 == 0 ? v1.address() : v2.address()));
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> response =
          h2.send(get("http://reviews:9080/h" + i), HttpResponse.BodyHandlers.ofString());
      assertThat(response.body()).isEqualTo(i % 2 == 0 ? "v1" : "v2");
    }
    assertThat(v1.seen()).extracting(Backend.Seen::host).containsOnly("reviews:9080");
    assertThat(v2.seen()).extracting(Backend.Seen::target).containsExactly("/h1", "/h3");
  }

  @Test
  void a503IsRetriedOnTheNextEndpoint() throws Exception {
    v1.status(503);
    ScriptedCall call = new ScriptedCall().endpoints(v1.address(), v2.address()).retry(2, 503);
    mesh.route("reviews", 9080, r -> call);

    HttpResponse<String> response =
        client.send(get("http://reviews:9080/"), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("v2");
    assertThat(call.attempts()).extracting(ScriptedCall.Attempt::status).containsExactly(503, 200);
    assertThat(v1.seen()).hasSize(1);
    assertThat(v2.seen()).singleElement().extracting(Backend.Seen::host).isEqualTo("reviews:9080");
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void aRequestBodyIsSentAgainOnTheRetry() throws Exception {
    v1.status(503);
    ScriptedCall call = new ScriptedCall().endpoints(v1.address(), v2.address()).retry(1, 503);
    mesh.route("reviews", 9080, r -> call);

    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://reviews:9080/"))
                .POST(HttpRequest.BodyPublishers.ofString("rating=5"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(v1.seen()).extracting(Backend.Seen::body).containsExactly("rating=5");
    assertThat(v2.seen()).extracting(Backend.Seen::body).containsExactly("rating=5");
    assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isZero();
  }

  @Test
  void aStreamedBodyIsOneShot() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(v1.address());
    mesh.route("reviews", 9080, r -> call);

    client.send(
        HttpRequest.newBuilder(URI.create("http://reviews:9080/"))
            .POST(
                HttpRequest.BodyPublishers.ofInputStream(
                    () -> new ByteArrayInputStream("stream".getBytes(StandardCharsets.UTF_8))))
            .build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isNotZero();
    assertThat(v1.seen()).extracting(Backend.Seen::body).containsExactly("stream");
  }

  @Test
  void aConnectFailureIsRetriedElsewhere() throws Exception {
    InetSocketAddress closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.4"))) {
      closed = new InetSocketAddress(s.getInetAddress(), s.getLocalPort());
    }
    ScriptedCall call = new ScriptedCall().endpoints(closed, v2.address()).retry(1);
    mesh.route("reviews", 9080, r -> call);

    HttpResponse<String> response =
        client.send(get("http://reviews:9080/"), HttpResponse.BodyHandlers.ofString());

    assertThat(response.body()).isEqualTo("v2");
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.CONNECT_FAILURE, MeshCall.NO_FAILURE);
  }

  @Test
  void whenEveryAttemptFailsToConnectTheApplicationGetsTheConnectFailure() throws Exception {
    InetSocketAddress closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.4"))) {
      closed = new InetSocketAddress(s.getInetAddress(), s.getLocalPort());
    }
    ScriptedCall call = new ScriptedCall().endpoints(closed).retry(1);
    mesh.route("reviews", 9080, r -> call);

    assertThatThrownBy(
            () -> client.send(get("http://reviews:9080/"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(ConnectException.class);
    assertThat(call.attempts()).hasSize(2);
    assertThat(call.finishedStatus()).isEqualTo(503);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void aSlowAttemptTimesOutAndTheRetryAnswers() throws Exception {
    v1.delayMillis(3_000);
    ScriptedCall call =
        new ScriptedCall().endpoints(v1.address(), v2.address()).retry(1).perTryTimeout(300 * MS);
    mesh.route("reviews", 9080, r -> call);

    long t0 = System.nanoTime();
    HttpResponse<String> response =
        client.send(get("http://reviews:9080/"), HttpResponse.BodyHandlers.ofString());

    assertThat(response.body()).isEqualTo("v2");
    assertThat((System.nanoTime() - t0) / MS).isLessThan(2_000);
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.TIMEOUT, MeshCall.NO_FAILURE);
  }

  @Test
  void theRoutesTimeoutEndsTheRequestWithTheClientsTimeoutException() throws Exception {
    v1.delayMillis(3_000);
    ScriptedCall call = new ScriptedCall().endpoints(v1.address()).timeout(300 * MS);
    mesh.route("reviews", 9080, r -> call);

    long t0 = System.nanoTime();
    assertThatThrownBy(
            () -> client.send(get("http://reviews:9080/"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(HttpTimeoutException.class);
    long took = (System.nanoTime() - t0) / MS;

    assertThat(took).isBetween(250L, 1_500L);
    assertThat(call.wasTimedOut()).isTrue();
    assertThat(call.finishedStatus()).isEqualTo(504);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void aFaultDelayWaitsOnTheTimerNotOnThreads() throws Exception {
    // Thirty kept-alive connections first: the timed part is the delay, not thirty handshakes.
    mesh.route("warm-up", 9080, r -> new ScriptedCall().endpoints(v1.address()));
    List<CompletableFuture<HttpResponse<Void>>> warmUp = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      warmUp.add(
          client.sendAsync(get("http://warm-up:9080/"), HttpResponse.BodyHandlers.discarding()));
    }
    CompletableFuture.allOf(warmUp.toArray(new CompletableFuture<?>[0])).get(5, TimeUnit.SECONDS);
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(v1.address()).delay(500 * MS));
    long t0 = System.nanoTime();
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      all.add(
          client.sendAsync(get("http://reviews:9080/" + i), HttpResponse.BodyHandlers.ofString()));
    }
    long returned = (System.nanoTime() - t0) / MS;
    CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(5, TimeUnit.SECONDS);
    long took = (System.nanoTime() - t0) / MS;

    assertThat(returned).isLessThan(400);
    assertThat(took).isBetween(450L, 1_000L);
    assertThat(all).allSatisfy(f -> assertThat(f.join().statusCode()).isEqualTo(200));
    assertThat(v1.seen()).hasSize(60);
  }

  @Test
  void aLocalReplyNeverTouchesTheNetwork() throws Exception {
    ScriptedCall call =
        new ScriptedCall()
            .reply(503, "fault filter abort")
            .setResponseHeader("x-mesh-reply", "yes");
    mesh.route("reviews", 9080, r -> call);

    HttpResponse<String> response =
        client.send(get("http://reviews:9080/"), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).isEqualTo("fault filter abort");
    assertThat(response.headers().firstValue("x-mesh-reply")).hasValue("yes");
    assertThat(call.attempts()).isEmpty();
    assertThat(call.finishedStatus()).isEqualTo(503);
    assertThat(v1.seen()).isEmpty();
  }

  @Test
  void aRedirectReplyCarriesItsLocation() throws Exception {
    mesh.route("reviews", 9080, r -> new ScriptedCall().redirect(301, "http://ratings:9080/x"));

    HttpResponse<Void> response =
        client.send(get("http://reviews:9080/"), HttpResponse.BodyHandlers.discarding());

    assertThat(response.statusCode()).isEqualTo(301);
    assertThat(response.headers().firstValue("location")).hasValue("http://ratings:9080/x");
  }

  @Test
  void theRoutesResponseHeadersAreAdded() throws Exception {
    mesh.route(
        "reviews",
        9080,
        r -> new ScriptedCall().endpoints(v1.address()).setResponseHeader("x-route", "v1"));

    HttpResponse<String> response =
        client.send(get("http://reviews:9080/"), HttpResponse.BodyHandlers.ofString());

    assertThat(response.headers().firstValue("x-route")).hasValue("v1");
    assertThat(response.body()).isEqualTo("v1");
  }

  @Test
  void cancellingTheFutureCancelsTheCall() throws Exception {
    v1.delayMillis(2_000);
    ScriptedCall call = new ScriptedCall().endpoints(v1.address());
    mesh.route("reviews", 9080, r -> call);

    CompletableFuture<HttpResponse<String>> f =
        client.sendAsync(get("http://reviews:9080/"), HttpResponse.BodyHandlers.ofString());
    Thread.sleep(200);
    f.cancel(true);

    assertThat(call.awaitFinish(1_000)).isTrue();
    assertThat(call.wasCancelled()).isTrue();
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void theApplicationsOwnTimeoutStillApplies() throws Exception {
    v1.delayMillis(3_000);
    ScriptedCall call = new ScriptedCall().endpoints(v1.address(), v2.address()).retry(3);
    mesh.route("reviews", 9080, r -> call);

    long t0 = System.nanoTime();
    assertThatThrownBy(
            () ->
                client.send(
                    HttpRequest.newBuilder(URI.create("http://reviews:9080/"))
                        .timeout(Duration.ofMillis(300))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(HttpTimeoutException.class);

    assertThat((System.nanoTime() - t0) / MS).isLessThan(1_500);
    assertThat(v2.seen()).isEmpty();
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void httpsAndUnknownHostsAreLeftAlone() throws Exception {
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(v1.address()));
    String direct = "http://127.0.0.2:" + v1.address().getPort() + "/plain";

    HttpResponse<String> plain = client.send(get(direct), HttpResponse.BodyHandlers.ofString());
    assertThatThrownBy(
            () -> client.send(get("https://reviews:9080/"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(java.io.IOException.class);

    assertThat(plain.body()).isEqualTo("v1");
    assertThat(mesh.untouched())
        .containsExactly("jdk-httpclient GET 127.0.0.2:" + v1.address().getPort() + " /plain");
    assertThat(mesh.calls()).isEmpty();
  }

  @Test
  void theAgentsOwnThreadsSendAsWritten() throws Exception {
    mesh.route(
        "127.0.0.2", v1.address().getPort(), r -> new ScriptedCall().endpoints(v2.address()));
    String url = "http://127.0.0.2:" + v1.address().getPort() + "/agent";
    CompletableFuture<String> body = new CompletableFuture<>();
    Thread agentThread =
        new Thread(
            () -> {
              MeshHooks.markAgentThread();
              try {
                body.complete(client.send(get(url), HttpResponse.BodyHandlers.ofString()).body());
              } catch (Exception e) {
                body.completeExceptionally(e);
              }
            });
    agentThread.start();

    assertThat(body.get(10, TimeUnit.SECONDS)).as("not routed to v2").isEqualTo("v1");
    assertThat(mesh.calls()).isEmpty();
    assertThat(mesh.untouched()).isEmpty();
  }

  @Test
  void aFailingDataPathLeavesTheRequestAsWritten() throws Exception {
    mesh.route(
        "127.0.0.2",
        v1.address().getPort(),
        r -> {
          throw new IllegalStateException("data path down");
        });

    HttpResponse<String> response =
        client.send(
            get("http://127.0.0.2:" + v1.address().getPort() + "/"),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("v1");
    assertThat(mesh.calls()).isEmpty();
  }
}
