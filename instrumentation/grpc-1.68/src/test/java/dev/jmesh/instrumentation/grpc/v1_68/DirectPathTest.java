package dev.jmesh.instrumentation.grpc.v1_68;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.instrumentation.testing.InProcessAdvice;
import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import dev.jmesh.instrumentation.testing.TestTls;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The direct path of a grpc-netty channel, woven in this JVM as the agent weaves it: one channel to
 * {@code reviews:9080} (its own name resolves to the pod {@code own} on 127.0.0.1, which only RPCs
 * the mesh leaves alone may reach), pods on 127.0.0.2 and 127.0.0.3, the data path scripted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class DirectPathTest {

  private static final long MS = 1_000_000L;

  private TestTls tls;
  private EchoPod own;
  private EchoPod a;
  private EchoPod b;
  private EchoPod secured;
  private ManagedChannel channel;
  private ScriptedBridge mesh;

  @BeforeAll
  void start() throws Exception {
    InProcessAdvice.install(new GrpcModule());
    InProcessAdvice.install(new GrpcNettyModule());
    tls = new TestTls();
    own = EchoPod.start("own", "127.0.0.1");
    a = EchoPod.start("a", "127.0.0.2");
    b = EchoPod.start("b", "127.0.0.3");
    secured = EchoPod.startTls("secured", "127.0.0.3", tls.server);
    channel =
        NettyChannelBuilder.forTarget("127.0.0.1:" + own.address().getPort())
            .overrideAuthority("reviews:9080")
            .usePlaintext()
            .build();
  }

  @BeforeEach
  void installMesh() {
    mesh = ScriptedBridge.install();
  }

  @AfterEach
  void uninstallMesh() {
    mesh.close();
    a.delay(0);
    b.delay(0);
  }

  @AfterAll
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    for (EchoPod p : new EchoPod[] {own, a, b, secured}) {
      p.close();
    }
  }

  private String echo() {
    return ClientCalls.blockingUnaryCall(channel, EchoPod.ECHO, CallOptions.DEFAULT, "hi");
  }

  private ScriptedCall route(ScriptedCall call) {
    mesh.route("reviews", 9080, r -> call);
    return call;
  }

  @Test
  void anRpcGoesToTheEndpointTheMeshPickedWithItsAuthorityKept() throws Exception {
    ScriptedCall call =
        route(new ScriptedCall().endpoints(a.address()).setRequestHeader("x-mesh", "routed"));
    int ownBefore = own.requests();
    String reply = echo();
    assertThat(reply).startsWith("pod=a ").contains("authority=reviews:9080", "x-mesh=routed");
    assertThat(call.library()).isEqualTo("grpc");
    assertThat(call.method()).isEqualTo("POST");
    assertThat(call.path()).isEqualTo("/test.Echo/Echo");
    assertThat(call.capabilities() & MeshCall.CAN_RETRY).isNotZero();
    assertThat(call.capabilities() & MeshCall.CAN_TLS)
        .as("a plaintext grpc-netty channel")
        .isNotZero();
    assertThat(call.awaitFinish(5000)).isTrue();
    assertThat(call.finishedStatus()).isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::status, ScriptedCall.Attempt::grpcStatus)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(200, 0));
    assertThat(own.requests()).isEqualTo(ownBefore);
  }

  @Test
  void anRpcTheMeshLeavesAloneGoesWhereTheChannelPoints() {
    int before = own.requests();
    String reply = echo();
    assertThat(reply).startsWith("pod=own ").contains("x-mesh=null");
    assertThat(own.requests()).isEqualTo(before + 1);
    assertThat(mesh.untouched()).containsExactly("grpc POST reviews:9080 /test.Echo/Echo");
  }

  @Test
  void eachEndpointHasItsOwnConnection() throws Exception {
    List<ScriptedCall> calls = new ArrayList<>();
    int[] n = {0};
    mesh.route(
        "reviews",
        9080,
        r -> {
          ScriptedCall c =
              new ScriptedCall().endpoints(n[0]++ % 2 == 0 ? a.address() : b.address());
          calls.add(c);
          return c;
        });
    int aBefore = a.requests();
    int bBefore = b.requests();
    for (int i = 0; i < 10; i++) {
      echo();
    }
    assertThat(a.requests() - aBefore).isEqualTo(5);
    assertThat(b.requests() - bBefore).isEqualTo(5);
    assertThat(mesh.connects())
        .as("direct connects are marked, so the socket hooks never see them")
        .isEmpty();
  }

  @Test
  void aConnectFailureIsRetriedOnTheNextEndpoint() throws Exception {
    ScriptedCall call = route(new ScriptedCall().endpoints(closedPort(), b.address()).retry(2));
    assertThat(echo()).startsWith("pod=b ");
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.CONNECT_FAILURE, MeshCall.NO_FAILURE);
    assertThat(call.finishedStatus()).isEqualTo(200);
  }

  @Test
  void aSlowEndpointIsLeftAfterThePerTryTimeout() throws Exception {
    a.delay(3000);
    ScriptedCall call =
        route(
            new ScriptedCall()
                .endpoints(a.address(), b.address())
                .retry(2)
                .perTryTimeout(300 * MS));
    long start = System.nanoTime();
    assertThat(echo()).startsWith("pod=b ");
    assertThat(System.nanoTime() - start).isLessThan(2000 * MS);
    assertThat(call.attempts())
        .extracting(ScriptedCall.Attempt::failure)
        .containsExactly(MeshCall.TIMEOUT, MeshCall.NO_FAILURE);
  }

  @Test
  void theRouteTimeoutEndsTheRpcWithDeadlineExceeded() throws Exception {
    a.delay(5000);
    ScriptedCall call = route(new ScriptedCall().endpoints(a.address()).timeout(400 * MS));
    long start = System.nanoTime();
    assertThatThrownBy(this::echo)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    long elapsed = (System.nanoTime() - start) / MS;
    assertThat(elapsed).isBetween(350L, 2000L);
    assertThat(call.awaitFinish(2000)).isTrue();
    assertThat(call.wasTimedOut()).isTrue();
    assertThat(call.finishedStatus()).as("a gRPC local answer: 200 and grpc-status").isEqualTo(200);
    assertThat(call.finishes()).isEqualTo(1);
  }

  @Test
  void aFaultAbortAnswersLocallyWithTheMappedStatus() throws Exception {
    int before = a.requests();
    ScriptedCall call =
        route(new ScriptedCall().endpoints(a.address()).reply(503, "fault filter abort"));
    assertThatThrownBy(this::echo)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).isEqualTo("fault filter abort");
            });
    assertThat(a.requests()).isEqualTo(before);
    assertThat(call.finishedStatus()).as("a gRPC local answer: 200 and grpc-status").isEqualTo(200);
  }

  @Test
  void fiftyDelayedAsyncRpcsTakeAboutOneDelay() throws Exception {
    mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(a.address()).delay(500 * MS));
    long start = System.nanoTime();
    List<com.google.common.util.concurrent.ListenableFuture<String>> replies = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      replies.add(
          ClientCalls.futureUnaryCall(channel.newCall(EchoPod.ECHO, CallOptions.DEFAULT), "hi"));
    }
    for (com.google.common.util.concurrent.ListenableFuture<String> f : replies) {
      assertThat(f.get(5, TimeUnit.SECONDS)).startsWith("pod=a ");
    }
    long elapsed = (System.nanoTime() - start) / MS;
    assertThat(elapsed).isBetween(450L, 1500L);
  }

  @Test
  void mtlsIsPutOnTheDirectConnection() throws Exception {
    ScriptedCall call = route(new ScriptedCall().endpoints(secured.address()).tls(tls.client));
    String reply = echo();
    assertThat(reply).startsWith("pod=secured ").contains("peer=CN=productpage");
    assertThat(call.finishedStatus()).isEqualTo(200);
  }

  @Test
  void aClientStreamGoesDirectWithRetriesOff() throws Exception {
    ScriptedCall call = route(new ScriptedCall().endpoints(a.address()).retry(2));
    ClientCall<String, String> upload = channel.newCall(EchoPod.UPLOAD, CallOptions.DEFAULT);
    com.google.common.util.concurrent.ListenableFuture<String> reply;
    AtomicReference<String> got = new AtomicReference<>();
    io.grpc.stub.StreamObserver<String> out =
        ClientCalls.asyncClientStreamingCall(
            upload,
            new io.grpc.stub.StreamObserver<>() {
              @Override
              public void onNext(String value) {
                got.set(value);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    out.onNext("one");
    out.onNext("two");
    out.onCompleted();
    assertThat(call.awaitFinish(5000)).isTrue();
    assertThat(got.get()).startsWith("pod=a ");
    assertThat(call.capabilities() & MeshCall.ONE_SHOT_BODY).isNotZero();
  }

  @Test
  void cancellingDuringADelayEndsTheCallOnce() throws Exception {
    ScriptedCall call = route(new ScriptedCall().endpoints(a.address()).delay(2000 * MS));
    int before = a.requests();
    ClientCall<String, String> rpc = channel.newCall(EchoPod.ECHO, CallOptions.DEFAULT);
    AtomicReference<Status> closed = new AtomicReference<>();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    rpc.start(
        new ClientCall.Listener<>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.set(status);
            done.countDown();
          }
        },
        new Metadata());
    rpc.request(1);
    rpc.sendMessage("hi");
    rpc.halfClose();
    rpc.cancel("the app gave up", null);
    assertThat(done.await(2, TimeUnit.SECONDS)).isTrue();
    assertThat(closed.get().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(call.wasCancelled()).isTrue();
    assertThat(call.finishes()).isEqualTo(1);
    Thread.sleep(2200);
    assertThat(a.requests()).as("nothing sent after the cancel").isEqualTo(before);
  }

  @Test
  void aChannelWithItsOwnTlsNeverClaimsToPutTheMeshsTlsOnItsConnections() throws Exception {
    ScriptedCall call = route(new ScriptedCall().reply(503, "no"));
    ManagedChannel secure =
        NettyChannelBuilder.forTarget("127.0.0.1:" + own.address().getPort())
            .overrideAuthority("reviews:9080")
            .useTransportSecurity()
            .build();
    try {
      assertThatThrownBy(
              () -> ClientCalls.blockingUnaryCall(secure, EchoPod.ECHO, CallOptions.DEFAULT, "hi"))
          .isInstanceOf(StatusRuntimeException.class);
      assertThat(call.capabilities() & MeshCall.CAN_TLS).isZero();
      assertThat(call.capabilities() & MeshCall.CAN_RETRY).isNotZero();
    } finally {
      secure.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void anRpcLeftAloneConnectsWhereTheSocketHooksWouldSendIt() throws Exception {
    ManagedChannel fresh =
        NettyChannelBuilder.forTarget("127.0.0.1:" + own.address().getPort())
            .overrideAuthority("reviews:9080")
            .usePlaintext()
            .build();
    try {
      String reply = ClientCalls.blockingUnaryCall(fresh, EchoPod.ECHO, CallOptions.DEFAULT, "hi");
      assertThat(reply).startsWith("pod=own ");
      assertThat(mesh.connects())
          .as("the channel's own policy got its addresses as the socket hooks answer them")
          .contains(own.address());
    } finally {
      fresh.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static InetSocketAddress closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.4"))) {
      return new InetSocketAddress("127.0.0.4", s.getLocalPort());
    }
  }
}
