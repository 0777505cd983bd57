package dev.jmesh.dataplane.identity.jmh;

import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.identity.SpiffeId;
import dev.jmesh.dataplane.identity.TestCa;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
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
 * connection without the network. Each handshake verifies the peer's SVID by SPIFFE ID. {@code
 * contexts}: {@code engine}, the Netty contexts of the engine (BoringSSL through netty-tcnative);
 * {@code direct}, the {@code SSLContext}s the direct paths put on the application's connections
 * (BoringSSL through Conscrypt). Run by hand: {@code scripts/bench/dataplane HandshakeBenchmark}.
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

  @Param({"engine", "direct"})
  public String contexts;

  private WorkloadIdentity server;
  private WorkloadIdentity client;
  private SslContext serverContext;
  private SslContext clientContext;
  private SSLContext serverDirect;
  private SSLContext clientDirect;
  private final ByteBuffer empty = ByteBuffer.allocate(0);
  private ByteBuffer toServer;
  private ByteBuffer toClient;
  private ByteBuffer scratch;

  @Setup
  public void setUp() throws Exception {
    TestCa ca = new TestCa("bench root");
    server =
        ca.workload(
            SpiffeId.workload("cluster.local", "default", "reviews"), "cluster.local", 3_600_000);
    client =
        ca.workload(
            SpiffeId.workload("cluster.local", "default", "productpage"),
            "cluster.local",
            3_600_000);
    SpiffeId reviews = server.id();
    if (contexts.equals("engine")) {
      serverContext = MeshTls.server(server, provider);
      clientContext = MeshTls.client(client, reviews::equals, provider);
    } else {
      serverDirect = MeshTls.forConnections(server, any -> true, provider);
      clientDirect = MeshTls.forConnections(client, reviews::equals, provider);
    }
    toServer = ByteBuffer.allocate(1 << 17);
    toClient = ByteBuffer.allocate(1 << 17);
    scratch = ByteBuffer.allocate(1 << 17);
  }

  @TearDown
  public void tearDown() {
    server.close();
    client.close();
  }

  @Benchmark
  public boolean mutualTlsHandshake() throws SSLException {
    SSLEngine c = clientEngine();
    SSLEngine s = serverEngine();
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

  private SSLEngine clientEngine() {
    if (clientContext != null) {
      return clientContext.newEngine(ByteBufAllocator.DEFAULT);
    }
    SSLEngine e = clientDirect.createSSLEngine();
    e.setUseClientMode(true);
    return e;
  }

  private SSLEngine serverEngine() {
    if (serverContext != null) {
      return serverContext.newEngine(ByteBufAllocator.DEFAULT);
    }
    SSLEngine e = serverDirect.createSSLEngine();
    e.setUseClientMode(false);
    e.setNeedClientAuth(true);
    return e;
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
