package dev.jmesh.instrumentation.reactornetty.v1_0;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.instrumentation.testing.InProcessAdvice;
import dev.jmesh.instrumentation.testing.LoopbackBackend;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import dev.jmesh.instrumentation.testing.TestTls;
import io.netty.handler.timeout.ReadTimeoutException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Reactor Netty's {@code HttpClient} with the module's advice woven in this JVM, against real
 * loopback servers on 127.0.0.2/3 and a scripted data path: the request the application addresses
 * to {@code reviews:9080} reaches the endpoint the mesh picked, once per attempt. NIO here; {@link
 * EpollDirectPathTest} runs the same on epoll.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DirectPathTest {

  private static final Duration BOUND = Duration.ofSeconds(10);
  private static final String URL = "http://reviews:9080/r?x=1";

  ScriptedBridge bridge;
  LoopbackBackend a;
  LoopbackBackend b;
  ConnectionProvider pool;
  LoopResources loops;
  HttpClient client;

  /** Whether the client's event loops are the native (epoll) ones. */
  boolean nativeTransport() {
    return false;
  }

  @BeforeAll
  void weave() throws Exception {
    InProcessAdvice.install(new ReactorNettyModule());
    a = LoopbackBackend.plain("127.0.0.2");
    b = LoopbackBackend.plain("127.0.0.3");
    pool = ConnectionProvider.builder("test").maxConnections(64).build();
    loops = LoopResources.create("rn-test", 2, nativeTransport());
    client = HttpClient.create(pool).runOn(loops, nativeTransport());
  }

  @AfterAll
  void stop() {
    a.close();
    b.close();
    pool.dispose();
    loops.dispose();
  }

  @BeforeEach
  void install() {
    bridge = ScriptedBridge.install();
    a.reset();
    b.reset();
  }

  @AfterEach
  void uninstall() {
    bridge.close();
  }

  private String get(String url) {
    return client
        .get()
        .uri(url)
        .responseSingle(
            (response, body) ->
                body.asString()
                    .defaultIfEmpty("")
                    .map(text -> response.status().code() + " " + text))
        .block(BOUND);
  }

  @Test
  void aRequestGoesToTheMeshEndpointKeepingTheApplicationsHost() {
    ScriptedCall call = new ScriptedCall().endpoints(b.address()).setRequestHeader("x-mesh", "v1");
    bridge.route("reviews", 9080, r -> call);

    assertThat(get(URL)).isEqualTo("200 127.0.0.3 200");

    LoopbackBackend.Seen seen = b.seen().get(0);
    assertThat(seen.host()).isEqualTo("reviews:9080");
    assertThat(seen.path()).isEqualTo("/r?x=1");
    assertThat(seen.meshHeader()).isEqualTo("v1");
    assertThat(call.library()).isEqualTo("reactor-netty");
    assertThat(call.method()).isEqualTo("GET");
    assertThat(call.path()).isEqualTo("/r?x=1");
    assertThat(call.capabilities() & MeshCall.CAN_TLS).isNotZero();
    assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isZero();
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
    assertThat(a.requests()).isZero();
  }

  @Test
  void theRequestsOfOneClientUseOnePoolPerEndpoint() {
    bridge.route(
        "reviews",
        9080,
        r ->
            new ScriptedCall()
                .endpoints("a".equals(r.header("x-pick")) ? a.address() : b.address()));
    for (int i = 0; i < 4; i++) {
      String pick = i % 2 == 0 ? "a" : "b";
      String answer =
          client
              .headers(h -> h.set("x-pick", pick))
              .get()
              .uri(URL)
              .responseSingle((response, body) -> body.asString())
              .block(BOUND);
      assertThat(answer).startsWith(pick.equals("a") ? "127.0.0.2" : "127.0.0.3");
    }
    assertThat(a.requests()).isEqualTo(2);
    assertThat(b.requests()).isEqualTo(2);
  }

  @Test
  void aRetriableStatusIsRetriedOnTheNextEndpoint() {
    a.status(503);
    ScriptedCall call = new ScriptedCall().endpoints(a.address(), b.address()).retry(2, 503);
    bridge.route("reviews", 9080, r -> call);

    assertThat(get(URL)).isEqualTo("200 127.0.0.3 200");

    assertThat(call.attempts()).extracting(ScriptedCall.Attempt::status).containsExactly(503, 200);
    assertThat(a.requests()).isEqualTo(1);
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void theLastRetriableAnswerReachesTheApplication() {
    a.status(503);
    ScriptedCall call = new ScriptedCall().endpoints(a.address()).retry(1, 503);
    bridge.route("reviews", 9080, r -> call);

    assertThat(get(URL)).isEqualTo("503 127.0.0.2 503");
    assertThat(a.requests()).isEqualTo(2);
    assertThat(call.finishedStatus()).isEqualTo(503);
  }

  @Test
  void aConnectFailureIsRetriedElsewhere() throws Exception {
    InetSocketAddress closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.2"))) {
      closed = new InetSocketAddress(s.getInetAddress(), s.getLocalPort());
    }
    ScriptedCall call = new ScriptedCall().endpoints(closed, b.address()).retry(1);
    bridge.route("reviews", 9080, r -> call);

    assertThat(get(URL)).isEqualTo("200 127.0.0.3 200");
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.CONNECT_FAILURE, MeshCall.NO_FAILURE);
  }

  @Test
  void aPerTryTimeoutMovesOnToTheNextEndpoint() {
    a.delayMillis(3000);
    ScriptedCall call =
        new ScriptedCall()
            .endpoints(a.address(), b.address())
            .retry(1)
            .perTryTimeout(TimeUnit.MILLISECONDS.toNanos(200));
    bridge.route("reviews", 9080, r -> call);

    long start = System.nanoTime();
    assertThat(get(URL)).isEqualTo("200 127.0.0.3 200");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2000));
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.TIMEOUT, MeshCall.NO_FAILURE);
  }

  @Test
  void theRoutesTimeoutFailsWithNettysReadTimeoutInTime() throws Exception {
    a.delayMillis(3000);
    ScriptedCall call =
        new ScriptedCall().endpoints(a.address()).timeout(TimeUnit.MILLISECONDS.toNanos(300));
    bridge.route("reviews", 9080, r -> call);

    long start = System.nanoTime();
    assertThatThrownBy(() -> get(URL)).isSameAs(ReadTimeoutException.INSTANCE);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2000));
    assertThat(call.awaitFinish(2000)).isTrue();
    assertThat(call.wasTimedOut()).isTrue();
    assertThat(call.finishedStatus()).isEqualTo(504);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void faultDelaysWaitOnTheMeshTimerNotOnAnEventLoop() {
    ScriptedCall[] calls = new ScriptedCall[20];
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    bridge.route(
        "reviews",
        9080,
        r ->
            calls[n.getAndIncrement()] =
                new ScriptedCall()
                    .endpoints(b.address())
                    .delay(TimeUnit.MILLISECONDS.toNanos(500)));

    long start = System.nanoTime();
    // Two event loops, twenty delayed requests: sleeping loops would take five seconds.
    List<String> answers =
        Flux.range(0, 20)
            .flatMap(
                i -> client.get().uri(URL).responseSingle((response, body) -> body.asString()), 20)
            .collectList()
            .block(BOUND);
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(answers).hasSize(20).allMatch(s -> s.startsWith("127.0.0.3"));
    assertThat(elapsedMs).isBetween(450L, 2500L);
  }

  @Test
  void cancellingDuringTheDelaySendsNothing() throws Exception {
    ScriptedCall call =
        new ScriptedCall().endpoints(b.address()).delay(TimeUnit.MILLISECONDS.toNanos(300));
    bridge.route("reviews", 9080, r -> call);

    Disposable d = client.get().uri(URL).responseContent().aggregate().asString().subscribe();
    Thread.sleep(50);
    d.dispose();

    assertThat(call.awaitFinish(2000)).isTrue();
    assertThat(call.wasCancelled()).isTrue();
    Thread.sleep(500);
    assertThat(b.requests()).isZero();
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void aRequestWithABodyIsDeclaredOneShotAndSendsItsBody() {
    ScriptedCall call = new ScriptedCall().endpoints(b.address());
    bridge.route("reviews", 9080, r -> call);

    String answer =
        client
            .post()
            .uri(URL)
            .send(ByteBufFlux.fromString(Mono.just("payload")))
            .responseSingle(
                (response, body) -> body.asString().map(t -> response.status().code() + " " + t))
            .block(BOUND);

    // Reactor Netty writes a body by calling the application's function again, which may not
    // replay: the data path is told, and turns the route's retries off for this request.
    assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isNotZero();
    assertThat(answer).isEqualTo("200 127.0.0.3 200");
    assertThat(b.seen().get(0).body()).isEqualTo("payload");
    assertThat(b.seen().get(0).method()).isEqualTo("POST");
  }

  @Test
  void mutualTlsGoesUnderTheClientsCleartextHttp() throws Exception {
    TestTls tls = new TestTls();
    try (LoopbackBackend secure = LoopbackBackend.mutualTls("127.0.0.3", tls.server)) {
      ScriptedCall call = new ScriptedCall().endpoints(secure.address()).tls(tls.client);
      bridge.route("reviews", 9080, r -> call);
      bridge.tls(secure.address(), tls.client);

      assertThat(get(URL)).isEqualTo("200 127.0.0.3-tls 200");

      LoopbackBackend.Seen seen = secure.seen().get(0);
      assertThat(seen.peer()).isEqualTo("CN=productpage");
      assertThat(seen.host()).isEqualTo("reviews:9080");
    }
  }

  @Test
  void aRedirectToAnotherAuthorityGoesWhereItPoints() {
    b.status(302).redirect("http://127.0.0.2:" + a.address().getPort() + "/moved");
    ScriptedCall call = new ScriptedCall().endpoints(b.address());
    bridge.route("reviews", 9080, r -> call);

    String answer =
        client
            .followRedirect(true)
            .get()
            .uri(URL)
            .responseSingle(
                (response, body) -> body.asString().map(t -> response.status().code() + " " + t))
            .block(BOUND);

    // Reactor Netty follows it inside the same subscription: one decision, one finish.
    assertThat(answer).isEqualTo("200 127.0.0.2 200");
    assertThat(b.requests()).isEqualTo(1);
    assertThat(a.seen().get(0).path()).isEqualTo("/moved");
    assertThat(call.finishes()).isEqualTo(1);
    assertThat(call.finishedStatus()).isEqualTo(200);
  }

  @Test
  void hostsTheMeshDoesNotKnowAreUntouched() {
    String url = "http://127.0.0.2:" + a.address().getPort() + "/plain";
    assertThat(get(url)).isEqualTo("200 127.0.0.2 200");
    assertThat(bridge.untouched())
        .containsExactly("reactor-netty GET 127.0.0.2:" + a.address().getPort() + " /plain");
    assertThat(a.seen().get(0).meshHeader()).isNull();
  }

  @Test
  void manyConcurrentCallsEachFinishOnce() {
    List<ScriptedCall> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    bridge.route(
        "reviews",
        9080,
        r -> {
          ScriptedCall c = new ScriptedCall().endpoints(a.address(), b.address());
          calls.add(c);
          return c;
        });
    List<String> answers =
        Flux.range(0, 50)
            .flatMap(i -> client.get().uri(URL).responseSingle((r, body) -> body.asString()), 16)
            .collectList()
            .block(BOUND);
    assertThat(answers).hasSize(50);
    assertThat(calls).hasSize(50).allMatch(c -> c.finishes() == 1 && c.finishedStatus() == 200);
  }
}
