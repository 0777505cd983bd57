package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.instrumentation.testing.LoopbackBackend;
import dev.jmesh.instrumentation.testing.InProcessAdvice;
import dev.jmesh.instrumentation.testing.TestTls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshEndpointAddress;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.async.methods.SimpleResponseConsumer;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.StringAsyncEntityProducer;
import org.apache.hc.core5.http.nio.support.AsyncRequestBuilder;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The asynchronous clients on the direct path, against real loopback endpoints. */
class AsyncDirectPathTest {

  private static final long MS = 1_000_000L;
  private static LoopbackBackend a;
  private static LoopbackBackend b;

  private ScriptedBridge mesh;
  private CloseableHttpAsyncClient client;

  @BeforeAll
  static void weaveAndStart() throws IOException {
    InProcessAdvice.install(new ApacheHttpClient5Module());
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
    client = HttpAsyncClients.createDefault();
    client.start();
  }

  @AfterEach
  void tearDown() {
    client.close(CloseMode.IMMEDIATE);
    mesh.close();
  }

  private SimpleHttpResponse get(String url) throws Exception {
    return client.execute(SimpleRequestBuilder.get(url).build(), null).get(5, TimeUnit.SECONDS);
  }

  /**
   * Apache's async client completes the application's future before it returns the connection to
   * its pool; a request sent at once may find it still leased and open another one.
   */
  private static void settle() throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(100);
  }

  @Test
  void retargetsToTheEndpointAndKeepsTheApplicationsHost() throws Exception {
    ScriptedCall call = new ScriptedCall().endpoints(a.address()).setRequestHeader("x-mesh", "v1");
    mesh.route("reviews", 9080, r -> call);

    SimpleHttpResponse r = get("http://reviews:9080/books?id=1");

    assertThat(r.getCode()).isEqualTo(200);
    assertThat(r.getBodyText()).isEqualTo("127.0.0.2 200");
    LoopbackBackend.Seen seen = a.seen().get(0);
    assertThat(seen.host()).isEqualTo("reviews:9080");
    assertThat(seen.path()).isEqualTo("/books?id=1");
    assertThat(seen.meshHeader()).isEqualTo("v1");
    assertThat(call.library()).isEqualTo("apache-httpclient-5-async");
    assertThat(call.awaitFinish(2_000)).isTrue();
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void thePoolKeepsAConnectionPerEndpoint() throws Exception {
    int[] turn = {0};
    mesh.route(
        "reviews",
        9080,
        r -> new ScriptedCall().endpoints(turn[0]++ % 2 == 0 ? a.address() : b.address()));
    for (int i = 0; i < 6; i++) {
      assertThat(get("http://reviews:9080/").getCode()).isEqualTo(200);
      settle();
    }
    assertThat(a.requests()).isEqualTo(3);
    assertThat(b.requests()).isEqualTo(3);
    assertThat(a.connections()).isEqualTo(1);
    assertThat(b.connections()).isEqualTo(1);
  }

  @Test
  void retriesA503OnTheOtherEndpointAndTheApplicationSeesOnlyTheLast() throws Exception {
    a.status(503);
    ScriptedCall call =
        new ScriptedCall().endpoints(a.address(), b.address()).retry(2, 503).backOff(50 * MS);
    mesh.route("reviews", 9080, r -> call);

    SimpleHttpResponse r = get("http://reviews:9080/");

    assertThat(r.getCode()).isEqualTo(200);
    assertThat(r.getBodyText()).isEqualTo("127.0.0.3 200");
    assertThat(call.attempts()).extracting(ScriptedCall.Attempt::status).containsExactly(503, 200);
    assertThat(call.awaitFinish(2_000)).isTrue();
    assertThat(call.finishedStatus()).isEqualTo(200);
  }

  @Test
  void aRepeatableBodyIsSentAgainAndAOneShotBodyIsFlagged() throws Exception {
    a.status(503);
    ScriptedCall retried = new ScriptedCall().endpoints(a.address(), b.address()).retry(1, 503);
    mesh.route("reviews", 9080, r -> retried);
    SimpleHttpRequest post =
        SimpleRequestBuilder.post("http://reviews:9080/rate")
            .setBody("five stars", ContentType.TEXT_PLAIN)
            .build();
    assertThat(client.execute(post, null).get(5, TimeUnit.SECONDS).getCode()).isEqualTo(200);
    assertThat(retried.capabilities() & MeshCall.ONE_SHOT_BODY).isZero();
    assertThat(a.seen().get(0).body()).isEqualTo("five stars");
    assertThat(b.seen().get(0).body()).isEqualTo("five stars");

    ScriptedCall oneShot = new ScriptedCall().endpoints(b.address());
    mesh.route("reviews", 9080, r -> oneShot);
    Future<SimpleHttpResponse> f =
        client.execute(
            AsyncRequestBuilder.post("http://reviews:9080/upload")
                .setEntity(new OneShotEntity("stream"))
                .build(),
            SimpleResponseConsumer.create(),
            null);
    assertThat(f.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(200);
    assertThat(oneShot.capabilities() & MeshCall.ONE_SHOT_BODY).isNotZero();
    assertThat(b.seen().get(1).body()).isEqualTo("stream");
  }

  @Test
  void aSlowAttemptTimesOutAndTheRetryGoesElsewhere() throws Exception {
    a.delayMillis(3_000);
    ScriptedCall call =
        new ScriptedCall().endpoints(a.address(), b.address()).retry(1).perTryTimeout(300 * MS);
    mesh.route("reviews", 9080, r -> call);

    long start = System.nanoTime();
    SimpleHttpResponse r = get("http://reviews:9080/");
    long tookMs = (System.nanoTime() - start) / MS;

    assertThat(r.getBodyText()).isEqualTo("127.0.0.3 200");
    assertThat(tookMs).isBetween(250L, 2_000L);
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.TIMEOUT, MeshCall.NO_FAILURE);
  }

  @Test
  void theRouteTimeoutFailsTheFutureWithASocketTimeout() throws Exception {
    a.delayMillis(3_000);
    ScriptedCall call = new ScriptedCall().endpoints(a.address()).timeout(400 * MS);
    mesh.route("reviews", 9080, r -> call);

    long start = System.nanoTime();
    assertThatThrownBy(() -> get("http://reviews:9080/"))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(SocketTimeoutException.class);
    long tookMs = (System.nanoTime() - start) / MS;

    assertThat(tookMs).isBetween(350L, 2_000L);
    assertThat(call.wasTimedOut()).isTrue();
    assertThat(call.finishedStatus()).isEqualTo(504);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void thirtyDelayedCallsWaitTogetherWithoutHoldingThreads() throws Exception {
    List<ScriptedCall> calls = new ArrayList<>();
    mesh.route(
        "reviews",
        9080,
        r -> {
          ScriptedCall c = new ScriptedCall().endpoints(a.address()).delay(500 * MS);
          synchronized (calls) {
            calls.add(c);
          }
          return c;
        });

    long start = System.nanoTime();
    List<Future<SimpleHttpResponse>> futures = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      futures.add(client.execute(SimpleRequestBuilder.get("http://reviews:9080/").build(), null));
    }
    long submittedMs = (System.nanoTime() - start) / MS;
    for (Future<SimpleHttpResponse> f : futures) {
      assertThat(f.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(200);
    }
    long tookMs = (System.nanoTime() - start) / MS;

    assertThat(submittedMs).isLessThan(400L);
    assertThat(tookMs).isBetween(490L, 1_800L);
    assertThat(a.requests()).isEqualTo(30);
  }

  @Test
  void theApplicationsCancelEndsTheCall() throws Exception {
    a.delayMillis(3_000);
    ScriptedCall inFlight = new ScriptedCall().endpoints(a.address());
    mesh.route("reviews", 9080, r -> inFlight);
    Future<SimpleHttpResponse> f =
        client.execute(SimpleRequestBuilder.get("http://reviews:9080/").build(), null);
    TimeUnit.MILLISECONDS.sleep(300);
    f.cancel(true);
    assertThat(inFlight.awaitFinish(2_000)).isTrue();
    assertThat(inFlight.wasCancelled()).isTrue();

    ScriptedCall delayed = new ScriptedCall().endpoints(b.address()).delay(300 * MS);
    mesh.route("reviews", 9080, r -> delayed);
    client.execute(SimpleRequestBuilder.get("http://reviews:9080/").build(), null).cancel(true);
    assertThat(delayed.awaitFinish(2_000)).isTrue();
    assertThat(delayed.wasCancelled()).isTrue();
    assertThat(delayed.finishes()).isEqualTo(1);
    assertThat(b.requests()).isZero();
  }

  @Test
  void aLocalReplyNeverTouchesTheNetwork() throws Exception {
    ScriptedCall call =
        new ScriptedCall()
            .reply(503, "no healthy upstream")
            .delay(100 * MS)
            .setResponseHeader("x-mesh-reply", "uh");
    mesh.route("reviews", 9080, r -> call);

    SimpleHttpResponse r = get("http://reviews:9080/");

    assertThat(r.getCode()).isEqualTo(503);
    assertThat(r.getBodyText()).isEqualTo("no healthy upstream");
    assertThat(r.getFirstHeader("x-mesh-reply").getValue()).isEqualTo("uh");
    assertThat(call.finishedStatus()).isEqualTo(503);
    assertThat(a.requests() + b.requests()).isZero();
  }

  @Test
  void theApplicationsConsumerHearsOfTheEndOnce() throws Exception {
    // Retried, then answered: released once, by Apache, through the attempt that was kept.
    a.status(503);
    mesh.route(
        "reviews", 9080, r -> new ScriptedCall().endpoints(a.address(), b.address()).retry(1, 503));
    EndRecordingConsumer retried = new EndRecordingConsumer();
    assertThat(execute(retried).get(5, TimeUnit.SECONDS).getCode()).isEqualTo(200);
    assertThat(retried.awaitEvents(1)).containsExactly("released");

    // A route timeout with no answer kept: failed and released once, by the call; the cancelled
    // attempt's own teardown adds nothing.
    a.status(200);
    a.delayMillis(3_000);
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(a.address()).timeout(300 * MS));
    EndRecordingConsumer timedOut = new EndRecordingConsumer();
    Future<SimpleHttpResponse> f = execute(timedOut);
    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(SocketTimeoutException.class);
    assertThat(timedOut.awaitEvents(2))
        .containsExactly("failed SocketTimeoutException", "released");

    // A local reply: released once it was delivered.
    mesh.route("reviews", 9080, r -> new ScriptedCall().reply(503, "no healthy upstream"));
    EndRecordingConsumer replied = new EndRecordingConsumer();
    assertThat(execute(replied).get(5, TimeUnit.SECONDS).getCode()).isEqualTo(503);
    assertThat(replied.awaitEvents(1)).containsExactly("released");
  }

  private Future<SimpleHttpResponse> execute(EndRecordingConsumer consumer) {
    return client.execute(
        SimpleRequestProducer.create(SimpleRequestBuilder.get("http://reviews:9080/").build()),
        consumer,
        null);
  }

  @Test
  void unknownHostsAndAFailingDataPathLeaveCallsUntouched() throws Exception {
    String url = "http://127.0.0.2:" + a.address().getPort() + "/plain";
    assertThat(get(url).getCode()).isEqualTo(200);
    assertThat(mesh.untouched())
        .containsExactly(
            "apache-httpclient-5-async GET 127.0.0.2:" + a.address().getPort() + " /plain");

    mesh.route(
        "127.0.0.3",
        b.address().getPort(),
        r -> {
          throw new IllegalStateException("data path broken");
        });
    assertThat(get("http://127.0.0.3:" + b.address().getPort() + "/").getCode()).isEqualTo(200);
    assertThat(mesh.calls()).isEmpty();
  }

  @Test
  void http2IsRetargetedPerEndpointWithTheApplicationsAuthority() throws Exception {
    try (H2Backend h2a = new H2Backend("127.0.0.6");
        H2Backend h2b = new H2Backend("127.0.0.7");
        CloseableHttpAsyncClient http2 = HttpAsyncClients.createHttp2Default()) {
      http2.start();
      int[] turn = {0};
      // localhost: the HTTP/2 pool looks the name up before connecting; the mesh's own name
      // resolution answers for service names in a meshed JVM.
      mesh.route(
          "localhost",
          9080,
          r -> new ScriptedCall().endpoints(turn[0]++ % 2 == 0 ? h2a.address() : h2b.address()));
      for (int i = 0; i < 4; i++) {
        SimpleHttpResponse r =
            http2
                .execute(SimpleRequestBuilder.get("http://localhost:9080/h2").build(), null)
                .get(5, TimeUnit.SECONDS);
        assertThat(r.getCode()).isEqualTo(200);
      }
      // Each endpoint served its half (Apache's HTTP/2 client may resend a request it reckons
      // unprocessed on a new connection, so a count can be one higher), always under the
      // application's authority.
      assertThat(h2a.authorities()).hasSizeGreaterThanOrEqualTo(2).containsOnly("localhost:9080");
      assertThat(h2b.authorities()).hasSizeGreaterThanOrEqualTo(2).containsOnly("localhost:9080");
      assertThat(mesh.calls())
          .extracting(c -> c.attempts().get(0).endpoint())
          .containsExactly(h2a.address(), h2b.address(), h2a.address(), h2b.address());
    }
  }

  @Test
  void mutualTlsGoesUnderTheApplicationsCleartextHttp1() throws Exception {
    TestTls tls = new TestTls();
    try (LoopbackBackend secure = LoopbackBackend.mutualTls("127.0.0.4", tls.server)) {
      mesh.tls(secure.address(), tls.client);
      ScriptedCall call = new ScriptedCall().endpoints(secure.address()).tls(tls.client);
      mesh.route("reviews", 9080, r -> call);

      assertThat(get("http://reviews:9080/secure").getBodyText()).isEqualTo("127.0.0.4-tls 200");
      settle();
      settle();
      assertThat(get("http://reviews:9080/again").getBodyText()).isEqualTo("127.0.0.4-tls 200");

      assertThat(call.capabilities() & MeshCall.CAN_TLS).isNotZero();
      assertThat(secure.seen()).extracting(LoopbackBackend.Seen::peer).containsOnly("CN=productpage");
      assertThat(secure.seen().get(0).host()).isEqualTo("reviews:9080");
      assertThat(secure.connections()).isEqualTo(1);
    }
  }

  @Test
  void http2DoesNotOfferTheMeshTls() throws Exception {
    try (CloseableHttpAsyncClient http2 = HttpAsyncClients.createHttp2Default()) {
      http2.start();
      ScriptedCall call = new ScriptedCall().reply(204, "");
      mesh.route("reviews", 9080, r -> call);
      assertThat(
              http2
                  .execute(SimpleRequestBuilder.get("http://reviews:9080/").build(), null)
                  .get(5, TimeUnit.SECONDS)
                  .getCode())
          .isEqualTo(204);
      assertThat(call.capabilities() & MeshCall.CAN_TLS).isZero();
    }
  }

  @Test
  void aDirectAttemptsConnectIsMarkedForTheSocketHooks() throws Exception {
    InetSocketAddress endpoint = a.address();
    HttpHost retargeted =
        new HttpHost("http", endpoint.getAddress(), "reviews", endpoint.getPort());
    DirectEndpoints.mark(retargeted);
    InetSocketAddress minted = new InetSocketAddress(endpoint.getAddress(), endpoint.getPort());

    assertThat(DirectEndpoints.remoteAddress(retargeted, minted))
        .isInstanceOf(MeshEndpointAddress.class)
        .isEqualTo(minted);
    HttpHost applications = new HttpHost("http", endpoint.getAddress(), "other", 1234);
    assertThat(DirectEndpoints.remoteAddress(applications, minted)).isSameAs(minted);
    assertThat(Set.of(DirectEndpoints.remoteAddress("not a host", minted))).containsOnly(minted);
  }

  /** A body that can be produced once only, as a stream is. */
  private static final class OneShotEntity implements AsyncEntityProducer {
    private final StringAsyncEntityProducer delegate;

    OneShotEntity(String content) {
      delegate = new StringAsyncEntityProducer(content, ContentType.TEXT_PLAIN);
    }

    @Override
    public boolean isRepeatable() {
      return false;
    }

    @Override
    public void failed(Exception cause) {
      delegate.failed(cause);
    }

    @Override
    public long getContentLength() {
      return delegate.getContentLength();
    }

    @Override
    public String getContentType() {
      return delegate.getContentType();
    }

    @Override
    public String getContentEncoding() {
      return delegate.getContentEncoding();
    }

    @Override
    public boolean isChunked() {
      return delegate.isChunked();
    }

    @Override
    public Set<String> getTrailerNames() {
      return delegate.getTrailerNames();
    }

    @Override
    public int available() {
      return delegate.available();
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
      delegate.produce(channel);
    }

    @Override
    public void releaseResources() {
      delegate.releaseResources();
    }
  }

  /** The application's consumer, writing down how it was told the exchange ended. */
  private static final class EndRecordingConsumer
      implements AsyncResponseConsumer<SimpleHttpResponse> {

    private final SimpleResponseConsumer delegate = SimpleResponseConsumer.create();
    private final List<String> events = new CopyOnWriteArrayList<>();

    /**
     * The events once there are {@code count} of them (waiting at most 2 s), and any that came in
     * the 100 ms after: Apache releases a consumer after it completed the future.
     */
    List<String> awaitEvents(int count) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (events.size() < count && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(10);
      }
      settle();
      return List.copyOf(events);
    }

    @Override
    public void consumeResponse(
        HttpResponse response,
        EntityDetails entity,
        HttpContext context,
        FutureCallback<SimpleHttpResponse> result)
        throws HttpException, IOException {
      delegate.consumeResponse(response, entity, context, result);
    }

    @Override
    public void informationResponse(HttpResponse response, HttpContext context)
        throws HttpException, IOException {
      delegate.informationResponse(response, context);
    }

    @Override
    public void updateCapacity(CapacityChannel channel) throws IOException {
      delegate.updateCapacity(channel);
    }

    @Override
    public void consume(ByteBuffer data) throws IOException {
      delegate.consume(data);
    }

    @Override
    public void streamEnd(List<? extends Header> trailers) throws HttpException, IOException {
      delegate.streamEnd(trailers);
    }

    @Override
    public void failed(Exception cause) {
      events.add("failed " + cause.getClass().getSimpleName());
      delegate.failed(cause);
    }

    @Override
    public void releaseResources() {
      events.add("released");
      delegate.releaseResources();
    }
  }
}
