package dev.jmesh.instrumentation.reactornetty.v1_0;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * Reactor Netty's HTTP client (and Spring's {@code WebClient} over it) on the direct path: each
 * subscription of a request is decided once and its attempts are the client's own, re-targeted to
 * the mesh's endpoint so that its pool is keyed per endpoint, with the mesh's retries, timeouts and
 * fault delays on the mesh's timer, and the mesh's mTLS as an {@code SslHandler} on the client's
 * own channel. Local replies (abort, no route, overflow) are left to the engine: Reactor Netty has
 * no response a helper could make without a connection.
 */
public final class ReactorNettyModule implements InstrumentationModule {

  private static final String PACKAGE = "dev.jmesh.instrumentation.reactornetty.v1_0.";

  @Override
  public String name() {
    return "reactor-netty-1.0";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(
        "reactor.netty.http.client.HttpClientConnect$MonoHttpConnect",
        "reactor.netty.http.client.HttpClientConnect$HttpClientHandler",
        "reactor.netty.http.client.HttpClientOperations",
        "io.netty.channel.socket.nio.NioSocketChannel",
        "io.netty.channel.epoll.AbstractEpollChannel");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(
        new HttpConnectInstrumentation(),
        new HttpClientHandlerInstrumentation(),
        new ClientOperationsInstrumentation(),
        new ChannelConnectInstrumentation());
  }

  @Override
  public List<String> helperClassNames() {
    // By name: loading them here, in the agent's class loader, would need Reactor Netty.
    return List.of(
        PACKAGE + "PendingHeaders",
        PACKAGE + "ReactorRequest",
        PACKAGE + "NettyHeaders",
        PACKAGE + "AttemptFailures",
        PACKAGE + "ChannelTls",
        PACKAGE + "Attempt",
        PACKAGE + "Attempts",
        PACKAGE + "DirectConnect");
  }
}
