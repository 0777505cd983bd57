package dev.jmesh.instrumentation.netty.server.v4_1;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * Netty 4.1 and 4.2 servers on the direct inbound path: the application's own server keeps its port
 * and the mesh works inside its pipeline. The NIO server channel's bind is marked direct so the
 * engine does not take the port over; every child channel a {@code ServerBootstrap} accepts gets
 * {@link MeshInboundHandler} first in its pipeline, which settles the transport (sniffing, mesh
 * TLS, the peer's identity, connection policy) before the application sees the connection, and then
 * {@link MeshHttpPolicy} after the application's HTTP codec for per-request policy.
 *
 * <p>Native transports (epoll, io_uring) bind without the JDK, so the engine never took their
 * ports; the pipeline injection covers them all the same.
 */
public final class NettyServerModule implements InstrumentationModule {

  @Override
  public String name() {
    return "netty-server-4.1";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(
        ServerBindInstrumentation.NIO_SERVER_CHANNEL, ServerAcceptorInstrumentation.ACCEPTOR);
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new ServerBindInstrumentation(), new ServerAcceptorInstrumentation());
  }

  @Override
  public List<String> helperClassNames() {
    // By name: loading the classes here, in the agent's class loader, would need Netty.
    String p = "dev.jmesh.instrumentation.netty.server.v4_1.";
    return List.of(
        p + "InboundFailures",
        p + "HeldWrites",
        p + "NettyHeaders",
        p + "NettyInboundRequest",
        p + "MeshHttpPolicy$Exchange",
        p + "MeshHttpPolicy",
        p + "MeshTlsGate",
        p + "MeshInboundHandler");
  }
}
