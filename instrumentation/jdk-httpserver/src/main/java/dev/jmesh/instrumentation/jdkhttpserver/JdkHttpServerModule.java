package dev.jmesh.instrumentation.jdkhttpserver;

import static dev.jmesh.instrumentation.api.BridgeHook.passArgumentOnEnter;
import static dev.jmesh.instrumentation.api.BridgeHook.passArgumentOnExit;
import static dev.jmesh.instrumentation.api.BridgeHook.passThisOnExit;
import static dev.jmesh.instrumentation.api.BridgeHook.replaceArgumentOnEnter;
import static dev.jmesh.instrumentation.api.BridgeHook.replaceArgumentWithThisOnEnter;

import dev.jmesh.bootstrap.JdkHttpServerHooks;
import dev.jmesh.instrumentation.api.BridgeHook;
import dev.jmesh.instrumentation.api.InstrumentationModule;
import java.util.List;

/**
 * The JDK's HTTP server ({@code com.sun.net.httpserver}, module {@code jdk.httpserver}), JDK 17 to
 * 25: direct inbound (library {@code jdk-httpserver}) and the trace context of the handler's
 * thread. The hooks are bridge hooks (the server is often an application's first bind); the logic
 * is in {@link JdkHttpServerHooks} (bootstrap, JDK types only) and, where the server's own types
 * are needed, in this module's {@link MeshHttpServer} in the agent's class loader.
 *
 * <ul>
 *   <li>{@code ServerImpl(HttpServer, String protocol, InetSocketAddress, int)} and {@code
 *       ServerImpl.bind(InetSocketAddress, int)}: a plain {@code http} server binds as a direct
 *       inbound server ({@code MeshHooks.enterDirectBind}), so under {@code inboundPath: direct}
 *       the engine leaves its port to it; an {@code https} one stays behind the engine.
 *   <li>{@code Request.ReadStream(ServerImpl, SocketChannel)} and {@code
 *       Request.WriteStream(ServerImpl, SocketChannel)}, the request and response streams the
 *       first exchange of a plain connection builds (and later exchanges reuse): they get the
 *       mesh's channel, which settles plaintext or mutual TLS on the first read, on the exchange
 *       thread, and refuses what the mesh refuses.
 *   <li>{@code Filter.Chain(List, HttpHandler)}: on a server that serves mesh connections, each
 *       chain starts with the mesh's filter, which checks the request before any application
 *       filter or handler ({@link MeshInboundFilter}).
 *   <li>{@code Filter.Chain.doFilter(HttpExchange)}: on entry the request's trace headers become
 *       the handler thread's inbound context; on a normal exit it ends. A handler that throws
 *       leaves it until the next request on that thread replaces it.
 * </ul>
 */
public final class JdkHttpServerModule implements InstrumentationModule {

  static final String SERVER = "sun.net.httpserver.ServerImpl";
  static final String READ_STREAM = "sun.net.httpserver.Request$ReadStream";
  static final String WRITE_STREAM = "sun.net.httpserver.Request$WriteStream";
  static final String CHAIN = "com.sun.net.httpserver.Filter$Chain";

  private static final String DO_FILTER = "(Lcom/sun/net/httpserver/HttpExchange;)V";
  private static final String SERVER_INIT =
      "(Lcom/sun/net/httpserver/HttpServer;Ljava/lang/String;Ljava/net/InetSocketAddress;I)V";
  private static final String BIND = "(Ljava/net/InetSocketAddress;I)V";
  private static final String CHANNEL = "Ljava/nio/channels/SocketChannel;";
  private static final String STREAM_INIT = "(Lsun/net/httpserver/ServerImpl;" + CHANNEL + ")V";
  private static final String CHAIN_INIT =
      "(Ljava/util/List;Lcom/sun/net/httpserver/HttpHandler;)V";

  @Override
  public String name() {
    return "jdk-httpserver";
  }

  @Override
  public List<BridgeHook> bridgeHooks() {
    return List.of(
        passArgumentOnEnter(SERVER, "<init>", SERVER_INIT, 1,
            "httpServerCreating", "(Ljava/lang/Object;)V"),
        passThisOnExit(SERVER, "<init>", SERVER_INIT, "httpServerCreated", "(Ljava/lang/Object;)V"),
        replaceArgumentWithThisOnEnter(SERVER, "bind", BIND, 0, "httpServerBinding",
            "(Ljava/lang/Object;Ljava/net/InetSocketAddress;)Ljava/net/InetSocketAddress;"),
        passThisOnExit(SERVER, "bind", BIND, "httpServerBound", "(Ljava/lang/Object;)V"),
        replaceArgumentOnEnter(READ_STREAM, "<init>", STREAM_INIT, 1,
            "httpServerChannel", "(" + CHANNEL + ")" + CHANNEL),
        replaceArgumentOnEnter(WRITE_STREAM, "<init>", STREAM_INIT, 1,
            "httpServerWriteChannel", "(" + CHANNEL + ")" + CHANNEL),
        replaceArgumentOnEnter(CHAIN, "<init>", CHAIN_INIT, 0,
            "httpServerFilters", "(Ljava/util/List;)Ljava/util/List;"),
        passArgumentOnEnter(CHAIN, "doFilter", DO_FILTER, 0,
            "serverExchange", "(Ljava/lang/Object;)V"),
        passArgumentOnExit(CHAIN, "doFilter", DO_FILTER, 0,
            "serverExchangeDone", "(Ljava/lang/Object;)V"));
  }

  @Override
  public void installed() {
    JdkHttpServerHooks.install(new MeshHttpServer());
  }
}
