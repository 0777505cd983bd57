package dev.jmesh.instrumentation.okhttp.v3_9;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The direct path through a real OkHttp client (the version under test) against real loopback
 * servers, with the scripted data path: the client is assembled as the builder advice leaves it
 * (mesh interceptor first, mesh socket factory), and asynchronous calls are enqueued through {@link
 * EnqueuedDecisions} as the enqueue advice does.
 */
class DirectPathTest {

  private static final String MESH_URL = "http://reviews:9080";
  private static final long MS = 1_000_000L;

  private ScriptedBridge mesh;
  private Backend a;
  private Backend b;
  private OkHttpClient client;

  @BeforeEach
  void start() throws IOException {
    mesh = ScriptedBridge.install();
    a = Backend.plain("127.0.0.2");
    b = Backend.plain("127.0.0.3");
    client = meshedClient();
  }

  @AfterEach
  void stop() {
    mesh.close();
    a.close();
    b.close();
    client.dispatcher().executorService().shutdownNow();
    client.connectionPool().evictAll();
  }

  private static OkHttpClient meshedClient() {
    return new OkHttpClient.Builder()
        .addInterceptor(new MeshInterceptor(true))
        .socketFactory(new MeshSocketFactory(SocketFactory.getDefault()))
        .build();
  }

  private Response get(String url) throws IOException {
    return client.newCall(new Request.Builder().url(url).build()).execute();
  }

  @Test
  void retargetsToTheEndpointKeepingTheApplicationsHost() throws Exception {
    mesh.route(
        "reviews",
        9080,
        r -> new ScriptedCall().endpoints(a.address()).setRequestHeader("x-mesh", "routed"));

    try (Response response = get(MESH_URL + "/a/b?x=1")) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).contains("127.0.0.2");
      assertThat(response.request().url().host()).isEqualTo("reviews");
    }

    Backend.Seen seen = a.seen().get(0);
    assertThat(seen.host()).isEqualTo("reviews:9080");
    assertThat(seen.target()).isEqualTo("/a/b?x=1");
    assertThat(seen.meshHeader()).isEqualTo("routed");
    ScriptedCall call = mesh.calls().get(0);
    assertThat(call.library()).isEqualTo("okhttp");
    assertThat(call.path()).isEqualTo("/a/b?x=1");
    assertThat(
            call.capabilities()
                & (MeshCall.CAN_TLS | MeshCall.CAN_RETRY | MeshCall.CAN_REPLY | MeshCall.CAN_DELAY))
        .isEqualTo(MeshCall.CAN_TLS | MeshCall.CAN_RETRY | MeshCall.CAN_REPLY | MeshCall.CAN_DELAY);
    assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isZero();
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void theDefaultPortIsLeftOutOfHost() throws Exception {
    mesh.route("ratings", 80, r -> new ScriptedCall().endpoints(a.address()));

    try (Response response = get("http://ratings/")) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(a.seen().get(0).host()).isEqualTo("ratings");
  }

  @Test
  void thePoolHoldsOneConnectionPerEndpoint() throws Exception {
    AtomicInteger n = new AtomicInteger();
    mesh.route(
        "reviews",
        9080,
        r ->
            new ScriptedCall().endpoints(n.getAndIncrement() % 2 == 0 ? a.address() : b.address()));

    for (int i = 0; i < 6; i++) {
      try (Response response = get(MESH_URL + "/" + i)) {
        assertThat(response.body().string()).isNotEmpty();
      }
    }

    assertThat(a.seen()).hasSize(3);
    assertThat(b.seen()).hasSize(3);
    assertThat(a.connections()).isEqualTo(1);
    assertThat(b.connections()).isEqualTo(1);
    assertThat(client.connectionPool().connectionCount()).isEqualTo(2);
  }

  @Test
  void aRetriableStatusIsRetriedOnTheNextEndpoint() throws Exception {
    a.status(503);
    mesh.route(
        "reviews", 9080, r -> new ScriptedCall().endpoints(a.address(), b.address()).retry(2, 503));

    try (Response response =
        client
            .newCall(
                new Request.Builder()
                    .url(MESH_URL + "/r")
                    .post(RequestBody.create(MediaType.parse("text/plain"), "payload"))
                    .build())
            .execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).contains("127.0.0.3");
    }

    ScriptedCall call = mesh.calls().get(0);
    assertThat(call.attempts()).extracting(ScriptedCall.Attempt::status).containsExactly(503, 200);
    assertThat(call.attempts().get(1).endpoint()).isEqualTo(b.address());
    assertThat(a.seen()).hasSize(1);
    // The replayable body went out again, whole, with the retry.
    assertThat(b.seen().get(0).body()).isEqualTo("payload");
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void aBodyThatCannotBeReplayedIsDeclaredOneShot() throws Exception {
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(a.address()));
    RequestBody streaming =
        new RequestBody() {
          @Override
          public MediaType contentType() {
            return MediaType.parse("text/plain");
          }

          @Override
          public void writeTo(BufferedSink sink) throws IOException {
            sink.writeUtf8("streamed");
          }
        };
    RequestBody large =
        RequestBody.create(MediaType.parse("text/plain"), new byte[RequestBodies.REPLAY_LIMIT + 1]);

    for (RequestBody body : List.of(streaming, large)) {
      try (Response response =
          client
              .newCall(new Request.Builder().url(MESH_URL + "/upload").post(body).build())
              .execute()) {
        assertThat(response.code()).isEqualTo(200);
      }
    }

    assertThat(mesh.calls())
        .allSatisfy(call -> assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isNotZero());
    assertThat(a.seen().get(0).body()).isEqualTo("streamed");
  }

  @Test
  void aPerTryTimeoutEndsTheAttemptAndTheRetryGoesElsewhere() throws Exception {
    a.delay(3_000);
    mesh.route(
        "reviews",
        9080,
        r ->
            new ScriptedCall()
                .endpoints(a.address(), b.address())
                .retry(1)
                .perTryTimeout(300 * MS));

    long start = System.nanoTime();
    try (Response response = get(MESH_URL + "/slow")) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).contains("127.0.0.3");
    }

    assertThat(System.nanoTime() - start).isLessThan(2_000 * MS);
    ScriptedCall call = mesh.calls().get(0);
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.TIMEOUT, MeshCall.NO_FAILURE);
  }

  @Test
  void theRouteTimeoutFailsTheCallAsOkHttpsOwnTimeoutDoes() throws Exception {
    a.delay(5_000);
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(a.address()).timeout(400 * MS));

    long start = System.nanoTime();
    assertThatThrownBy(() -> get(MESH_URL + "/slow"))
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("timeout");

    assertThat(System.nanoTime() - start).isBetween(350 * MS, 2_000 * MS);
    ScriptedCall call = mesh.calls().get(0);
    assertThat(call.wasTimedOut()).isTrue();
    assertThat(call.finishedStatus()).isEqualTo(504);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void aLocalReplyNeverTouchesTheNetwork() throws Exception {
    mesh.route(
        "reviews",
        9080,
        r ->
            new ScriptedCall()
                .endpoints(a.address())
                .reply(503, "no healthy upstream")
                .setResponseHeader("x-mesh-reply", "yes"));

    try (Response response = get(MESH_URL + "/x")) {
      assertThat(response.code()).isEqualTo(503);
      assertThat(response.header("x-mesh-reply")).isEqualTo("yes");
      assertThat(response.body().string()).isEqualTo("no healthy upstream");
    }

    assertThat(a.seen()).isEmpty();
    assertThat(client.connectionPool().connectionCount()).isZero();
    assertThat(mesh.calls().get(0).finishedStatus()).isEqualTo(503);
  }

  @Test
  void aRedirectReplyIsFollowedAsOkHttpFollowsASidecarsRedirect() throws Exception {
    String location = "http://127.0.0.2:" + a.address().getPort() + "/v2/x";
    mesh.route("reviews", 9080, r -> new ScriptedCall().redirect(301, location));

    try (Response response = get(MESH_URL + "/x")) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.request().url().toString()).isEqualTo(location);
    }

    assertThat(a.seen()).extracting(Backend.Seen::target).containsExactly("/v2/x");
    // OkHttp's own follow-up: not a second mesh decision.
    assertThat(mesh.calls()).hasSize(1);
    assertThat(mesh.untouched()).isEmpty();
    assertThat(mesh.calls().get(0).finishedStatus()).isEqualTo(301);
  }

  @Test
  void aRedirectReplyReachesAClientThatDoesNotFollowRedirects() throws Exception {
    mesh.route("reviews", 9080, r -> new ScriptedCall().redirect(301, "http://reviews:9080/v2/x"));
    OkHttpClient noFollow =
        new OkHttpClient.Builder()
            .addInterceptor(new MeshInterceptor(true, false))
            .followRedirects(false)
            .build();

    try (Response response =
        noFollow.newCall(new Request.Builder().url(MESH_URL + "/x").build()).execute()) {
      assertThat(response.code()).isEqualTo(301);
      assertThat(response.header("Location")).isEqualTo("http://reviews:9080/v2/x");
    }

    assertThat(mesh.calls().get(0).finishedStatus()).isEqualTo(301);
  }

  @Test
  void aSynchronousCallWaitsOutTheFaultDelay() throws Exception {
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(a.address()).delay(300 * MS));
    // A permit some earlier unpark of this thread left behind (a completed future, a pool): one
    // park would return at once on it and cut the delay short.
    java.util.concurrent.locks.LockSupport.unpark(Thread.currentThread());

    long start = System.nanoTime();
    try (Response response = get(MESH_URL + "/d")) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(300 * MS);
  }

  @Test
  void delayedAsynchronousCallsWaitOnTheTimerNotOnDispatcherSlots() throws Exception {
    long delay = 600 * MS;
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(a.address()).delay(delay));
    int calls = 30;
    CountDownLatch done = new CountDownLatch(calls);
    CountDownLatch warm = new CountDownLatch(1);
    List<Integer> statuses = new CopyOnWriteArrayList<>();
    Callback callback =
        new Callback() {
          @Override
          public void onFailure(Call call, IOException e) {
            done.countDown();
          }

          @Override
          public void onResponse(Call call, Response response) {
            statuses.add(response.code());
            response.close();
            done.countDown();
          }
        };

    // Warm the dispatcher and a connection first: the measure is of waiting, not of start-up.
    mesh.route("ratings", 9080, r -> new ScriptedCall().endpoints(a.address()));
    client
        .newCall(new Request.Builder().url("http://ratings:9080/warm-up").build())
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                warm.countDown();
              }

              @Override
              public void onResponse(Call call, Response response) {
                response.close();
                warm.countDown();
              }
            });
    assertThat(warm.await(5, TimeUnit.SECONDS)).isTrue();

    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      Call call = client.newCall(new Request.Builder().url(MESH_URL + "/" + i).build());
      // What the enqueue advice does.
      if (!EnqueuedDecisions.deferEnqueue(call, client, callback)) {
        call.enqueue(callback);
      }
    }
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    long elapsed = System.nanoTime() - start;

    // Five per host in the dispatcher: waiting in slots would take six delays.
    assertThat(elapsed).isBetween(delay, 2 * delay);
    assertThat(statuses).hasSize(calls).containsOnly(200);
    assertThat(mesh.calls())
        .hasSize(calls + 1)
        .allSatisfy(call -> assertThat(call.finishes()).isEqualTo(1));
  }

  @Test
  void anAsynchronousCallIsDecidedOnce() throws Exception {
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(a.address()));
    CountDownLatch done = new CountDownLatch(1);
    Call call = client.newCall(new Request.Builder().url(MESH_URL + "/once").build());
    Callback callback =
        new Callback() {
          @Override
          public void onFailure(Call c, IOException e) {
            done.countDown();
          }

          @Override
          public void onResponse(Call c, Response response) {
            response.close();
            done.countDown();
          }
        };

    if (!EnqueuedDecisions.deferEnqueue(call, client, callback)) {
      call.enqueue(callback);
    }
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();

    assertThat(mesh.calls()).hasSize(1);
    assertThat(a.seen()).hasSize(1);
  }

  @Test
  void mutualTlsIsLayeredUnderCleartextOkHttp() throws Exception {
    TestTls.Identity server = TestTls.SERVER;
    TestTls.Identity workload = TestTls.WORKLOAD;
    SSLContext clientTls = TestTls.context(workload, server);
    try (Backend secure = Backend.mutualTls("127.0.0.4", TestTls.context(server, workload))) {
      mesh.tls(secure.address(), clientTls);
      mesh.route(
          "reviews", 9080, r -> new ScriptedCall().endpoints(secure.address()).tls(clientTls));

      for (int i = 0; i < 2; i++) {
        try (Response response = get(MESH_URL + "/secure")) {
          assertThat(response.code()).isEqualTo(200);
          assertThat(response.body().string()).contains("127.0.0.4");
        }
      }

      assertThat(secure.seen())
          .hasSize(2)
          .allSatisfy(
              seen -> {
                assertThat(seen.peer()).isEqualTo("CN=workload");
                assertThat(seen.host()).isEqualTo("reviews:9080");
              });
      assertThat(secure.connections()).isEqualTo(1);
    }
  }

  @Test
  void aFailedHandshakeFailsTheConnectAndNeverFallsBackToPlaintext() throws Exception {
    TestTls.Identity server = TestTls.SERVER;
    TestTls.Identity stranger = TestTls.STRANGER;
    SSLContext untrusted = TestTls.context(stranger, stranger);
    try (Backend secure =
        Backend.mutualTls("127.0.0.4", TestTls.context(server, TestTls.WORKLOAD))) {
      mesh.tls(secure.address(), untrusted);
      mesh.route(
          "reviews", 9080, r -> new ScriptedCall().endpoints(secure.address()).tls(untrusted));

      assertThatThrownBy(() -> get(MESH_URL + "/secure")).isInstanceOf(IOException.class);

      assertThat(secure.seen()).isEmpty();
      assertThat(mesh.calls().get(0).attempts().get(0).failure())
          .isEqualTo(MeshCall.CONNECT_FAILURE);
      assertThat(mesh.calls().get(0).finishedStatus()).isEqualTo(503);
    }
  }

  @Test
  void aHostTheMeshDoesNotKnowGoesOutUnchanged() throws Exception {
    String url = "http://127.0.0.2:" + a.address().getPort() + "/plain?q=1";

    try (Response response = get(url)) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(mesh.calls()).isEmpty();
    assertThat(mesh.untouched())
        .containsExactly("okhttp GET 127.0.0.2:" + a.address().getPort() + " /plain?q=1");
    assertThat(a.seen().get(0).host()).isEqualTo("127.0.0.2:" + a.address().getPort());
  }

  @Test
  void aFailingDataPathLeavesCallsWorking() throws Exception {
    mesh.route(
        "127.0.0.2",
        a.address().getPort(),
        r -> {
          throw new IllegalStateException("data path broken");
        });
    long failures = MeshHooks.failureCount();

    try (Response response = get("http://127.0.0.2:" + a.address().getPort() + "/")) {
      assertThat(response.code()).isEqualTo(200);
    }

    assertThat(MeshHooks.failureCount()).isEqualTo(failures + 1);
    assertThat(a.seen()).hasSize(1);
  }

  @Test
  void allAttemptsFailingToConnectEndsAs503WithTheLastFailure() throws Exception {
    java.net.InetSocketAddress closed;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.5"))) {
      closed = new java.net.InetSocketAddress(s.getInetAddress(), s.getLocalPort());
    }
    java.net.InetSocketAddress refused = closed;
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(refused).retry(1));

    assertThatThrownBy(() -> get(MESH_URL + "/")).isInstanceOf(java.net.ConnectException.class);

    ScriptedCall call = mesh.calls().get(0);
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.CONNECT_FAILURE, MeshCall.CONNECT_FAILURE);
    assertThat(call.finishedStatus()).isEqualTo(503);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void aCallTheApplicationCancelsIsRecordedAsCancelled() throws Exception {
    a.delay(3_000);
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(a.address()));
    Call call = client.newCall(new Request.Builder().url(MESH_URL + "/slow").build());
    CountDownLatch failed = new CountDownLatch(1);
    call.enqueue(
        new Callback() {
          @Override
          public void onFailure(Call c, IOException e) {
            failed.countDown();
          }

          @Override
          public void onResponse(Call c, Response response) {
            response.close();
          }
        });
    for (int i = 0; i < 100 && a.seen().isEmpty(); i++) {
      Thread.sleep(20);
    }

    call.cancel();

    assertThat(failed.await(2, TimeUnit.SECONDS)).isTrue();
    ScriptedCall decided = mesh.calls().get(0);
    assertThat(decided.awaitFinish(2_000)).isTrue();
    assertThat(decided.wasCancelled()).isTrue();
    assertThat(decided.wasTimedOut()).isFalse();
    assertThat(decided.finishes()).isEqualTo(1);
  }
}
