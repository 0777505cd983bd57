package dev.jmesh.bootstrap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Direct inbound for the JDK's HTTP server ({@code com.sun.net.httpserver.HttpServer}, library
 * {@code jdk-httpserver}): the server keeps its port and the mesh works inside it.
 *
 * <ul>
 *   <li><b>Bind</b>: a plain {@code http} server binds inside {@link MeshHooks#enterDirectBind()}
 *       (its constructor, or a later {@code bind}), so the engine leaves its port to it under
 *       {@code inboundPath: direct}. An {@code HttpsServer} keeps the engine in front: its own TLS
 *       and the mesh's cannot share the connection.
 *   <li><b>Connection</b>: the first exchange of a connection builds its request and response
 *       streams over the accepted channel; they get a {@link MeshServerChannel} instead, which
 *       settles the transport on the first read (on the exchange thread, never the dispatcher).
 *   <li><b>Requests</b>: every filter chain of an exchange on such a connection starts with the
 *       mesh's filter ({@link JdkHttpServerBridge#filter()}, in the agent's class loader), which
 *       finds the connection by its addresses and asks {@link MeshInbound#request} before any
 *       application filter or handler runs.
 * </ul>
 */
public final class JdkHttpServerHooks {

  static final String LIBRARY = "jdk-httpserver";

  /** The agent-side implementation, in the module of the JDK HTTP server's instrumentation. */
  private static final String IMPLEMENTATION =
      "dev.jmesh.instrumentation.jdkhttpserver.MeshHttpServer";

  /** Set while this thread's direct-bind mark is the JDK HTTP server's. */
  private static final ThreadLocal<Boolean> MARKED = new ThreadLocal<>();

  /** Set while this thread constructs a plain {@code http} server. */
  private static final ThreadLocal<Boolean> CREATING_PLAIN = new ThreadLocal<>();

  /** The channel this thread's last request stream got, for the response stream made next. */
  private static final ThreadLocal<SocketChannel[]> LAST_WRAPPED = new ThreadLocal<>();

  private static final WeakIdentityMap<Object, Boolean> PLAIN_SERVERS =
      new WeakIdentityMap<>(v -> {});

  /** Direct-inbound connections by their addresses, while open. */
  private static final ConcurrentHashMap<Peer, MeshServerChannel> CONNECTIONS =
      new ConcurrentHashMap<>();

  /** Whether any connection was served directly, so servers that never were pay nothing. */
  private static volatile boolean serving;

  private static volatile JdkHttpServerBridge server;

  private JdkHttpServerHooks() {}

  /** Installs the agent-side implementation (else it is looked up on first need). */
  public static void install(JdkHttpServerBridge implementation) {
    server = implementation;
  }

  static void creating(Object protocol) {
    if ("http".equalsIgnoreCase(String.valueOf(protocol))) {
      CREATING_PLAIN.set(Boolean.TRUE);
      mark();
    } else {
      // Also forgets a plain server whose construction failed on this thread.
      CREATING_PLAIN.remove();
    }
  }

  static void created(Object httpServer) {
    if (CREATING_PLAIN.get() != null) {
      CREATING_PLAIN.remove();
      unmark();
      PLAIN_SERVERS.put(httpServer, Boolean.TRUE);
    }
  }

  static void binding(Object httpServer) {
    if (httpServer != null && PLAIN_SERVERS.get(httpServer) != null) {
      mark();
    }
  }

  static void bound() {
    unmark();
  }

  /**
   * The socket hooks saw the bind the mark was for. The server's exit hooks run on normal returns
   * only, so a bind that fails (a port in use) would otherwise leave the mark on the thread for
   * whatever it binds next.
   */
  static void bindEntered() {
    unmark();
  }

  private static void mark() {
    MARKED.set(Boolean.TRUE);
    MeshHooks.enterDirectBind();
  }

  private static void unmark() {
    if (MARKED.get() != null) {
      MARKED.remove();
      MeshHooks.exitDirectBind();
    }
  }

  /** A new connection's request stream: the mesh's channel when the mesh serves it directly. */
  static SocketChannel channel(SocketChannel accepted) {
    SocketChannel result = accepted;
    try {
      SocketAddress local = accepted.getLocalAddress();
      SocketAddress remote = accepted.getRemoteAddress();
      if (local instanceof InetSocketAddress && remote instanceof InetSocketAddress) {
        InetSocketAddress l = (InetSocketAddress) local;
        InetSocketAddress r = (InetSocketAddress) remote;
        MeshInbound inbound = MeshHooks.inbound(LIBRARY, l, r);
        if (inbound != null) {
          Peer peer = new Peer(l, r);
          MeshServerChannel mesh = new MeshServerChannel(accepted, inbound, peer);
          CONNECTIONS.put(peer, mesh);
          serving = true;
          result = mesh;
        }
      }
    } catch (IOException | RuntimeException e) {
      MeshHooks.failed("inbound:" + LIBRARY, e);
      closeQuietly(accepted);
    }
    LAST_WRAPPED.set(new SocketChannel[] {accepted, result});
    return result;
  }

  /** The same connection's response stream, made right after its request stream. */
  static SocketChannel writeChannel(SocketChannel accepted) {
    SocketChannel[] last = LAST_WRAPPED.get();
    if (last == null) {
      return accepted;
    }
    LAST_WRAPPED.remove();
    return last[0] == accepted ? last[1] : accepted;
  }

  /** A filter chain is built: the mesh's filter first, once direct connections exist. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static List filters(List filters) {
    if (!serving || MeshHooks.isAgentThread()) {
      return filters;
    }
    try {
      JdkHttpServerBridge s = implementation();
      if (s == null) {
        return filters;
      }
      List chain = new ArrayList(filters.size() + 1);
      chain.add(s.filter());
      chain.addAll(filters);
      return chain;
    } catch (RuntimeException | LinkageError e) {
      MeshHooks.failed("inbound:" + LIBRARY, e);
      return filters;
    }
  }

  /**
   * The direct-inbound connection between {@code local} and {@code remote}, or {@code null} when
   * the mesh does not serve it directly.
   */
  public static MeshServerChannel connection(InetSocketAddress local, InetSocketAddress remote) {
    if (!serving || local == null || remote == null) {
      return null;
    }
    Peer peer = new Peer(local, remote);
    MeshServerChannel c = CONNECTIONS.get(peer);
    if (c != null && !(c.isOpen() && c.accepted.isOpen())) {
      // Closed without the mesh's channel knowing (the server closed the accepted one itself).
      CONNECTIONS.remove(peer, c);
      return null;
    }
    return c;
  }

  /** The agent side failed on a direct-inbound exchange: counted, logged once per cause. */
  public static void failed(Throwable t) {
    MeshHooks.failed("inbound:" + LIBRARY, t);
  }

  static void closed(MeshServerChannel channel) {
    CONNECTIONS.remove(channel.key, channel);
    Object exchange = channel.abandon();
    if (exchange != null) {
      try {
        JdkHttpServerBridge s = implementation();
        if (s != null) {
          s.abandoned(exchange);
        }
      } catch (RuntimeException | LinkageError e) {
        MeshHooks.failed("inbound:" + LIBRARY, e);
      }
    }
  }

  /**
   * The agent-side implementation: the installed one, else the one beside the data path (the module
   * installs it only when the agent's library-advice stage runs, which a server-only application
   * may never need).
   */
  private static JdkHttpServerBridge implementation() {
    JdkHttpServerBridge s = server;
    if (s != null) {
      return s;
    }
    ClassLoader loader = MeshHooks.bridgeLoader();
    if (loader == null) {
      return null;
    }
    try {
      s =
          (JdkHttpServerBridge)
              Class.forName(IMPLEMENTATION, true, loader).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      MeshHooks.failed("inbound:" + LIBRARY, e);
      return null;
    }
    server = s;
    return s;
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** A connection's two addresses. */
  private static final class Peer {
    private final InetSocketAddress local;
    private final InetSocketAddress remote;

    Peer(InetSocketAddress local, InetSocketAddress remote) {
      this.local = local;
      this.remote = remote;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Peer
          && ((Peer) o).local.equals(local)
          && ((Peer) o).remote.equals(remote);
    }

    @Override
    public int hashCode() {
      return 31 * local.hashCode() + remote.hashCode();
    }
  }
}
