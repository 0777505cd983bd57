package dev.jmesh.dataplane.identity.jmh;

import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.identity.SpiffeId;
import dev.jmesh.dataplane.identity.TestCa;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Full mutual-TLS handshakes (no resumption) between two workload identities, client and server
 * engines talking through memory, with the JDK's TLS and with BoringSSL: the cost of a new mTLS
 * connection without the network. Each handshake verifies the peer's SVID by SPIFFE ID. Run by
 * hand: {@code scripts/bench/dataplane HandshakeBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HandshakeBenchmark {

  @Param({"JDK", "BORINGSSL"})
  public MeshTls.Provider provider;

  private WorkloadIdentity server;
  private WorkloadIdentity client;
  private SslContext serverContext;
  private SslContext clientContext;
  private final ByteBuffer empty = ByteBuffer.allocate(0);
  private ByteBuffer toServer;
  private ByteBuffer toClient;
  private ByteBuffer scratch;

  @Setup
  public void setUp() throws Exception {
    TestCa ca = new TestCa("bench root");
    server = identity(ca, "reviews");
    client = identity(ca, "productpage");
    serverContext = MeshTls.server(server, provider);
    SpiffeId reviews = server.id();
    clientContext = MeshTls.client(client, reviews::equals, provider);
    toServer = ByteBuffer.allocate(1 << 17);
    toClient = ByteBuffer.allocate(1 << 17);
    scratch = ByteBuffer.allocate(1 << 17);
  }

  private static WorkloadIdentity identity(TestCa ca, String sa) throws Exception {
    SpiffeId id = SpiffeId.workload("cluster.local", "default", sa);
    WorkloadIdentity identity = new WorkloadIdentity(id, ca.signer(id.toString(), 3_600_000), 3600);
    identity.updateTrustBundle(ca.bundle("cluster.local"));
    identity.start();
    if (!identity.awaitFirst(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("no certificate");
    }
    return identity;
  }

  @TearDown
  public void tearDown() {
    server.close();
    client.close();
  }

  @Benchmark
  public boolean mutualTlsHandshake() throws SSLException {
    SSLEngine c = clientContext.newEngine(ByteBufAllocator.DEFAULT);
    SSLEngine s = serverContext.newEngine(ByteBufAllocator.DEFAULT);
    try {
      c.beginHandshake();
      s.beginHandshake();
      toServer.clear();
      toClient.clear();
      for (int round = 0; round < 50; round++) {
        boolean progress = step(c, toServer, toClient) | step(s, toClient, toServer);
        if (done(c) && done(s)) {
          return true;
        }
        if (!progress && round > 10) {
          break;
        }
      }
      throw new IllegalStateException(
          "handshake did not finish: " + c.getHandshakeStatus() + " / " + s.getHandshakeStatus());
    } finally {
      io.netty.util.ReferenceCountUtil.release(c);
      io.netty.util.ReferenceCountUtil.release(s);
    }
  }

  private static boolean done(SSLEngine e) {
    SSLEngineResult.HandshakeStatus h = e.getHandshakeStatus();
    return h == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
        || h == SSLEngineResult.HandshakeStatus.FINISHED;
  }

  /** Lets {@code e} read what its peer wrote into {@code in} and write into {@code out}. */
  private boolean step(SSLEngine e, ByteBuffer out, ByteBuffer in) throws SSLException {
    boolean progress = false;
    in.flip();
    while (in.hasRemaining()) {
      scratch.clear();
      SSLEngineResult r = e.unwrap(in, scratch);
      runTasks(e);
      if (r.bytesConsumed() == 0) {
        break;
      }
      progress = true;
    }
    in.compact();
    while (true) {
      SSLEngineResult r = e.wrap(empty, out);
      runTasks(e);
      if (r.bytesProduced() == 0) {
        break;
      }
      progress = true;
    }
    return progress;
  }

  private static void runTasks(SSLEngine e) {
    Runnable task;
    while ((task = e.getDelegatedTask()) != null) {
      task.run();
    }
  }
}
