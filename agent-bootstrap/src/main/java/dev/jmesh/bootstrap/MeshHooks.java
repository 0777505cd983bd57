package dev.jmesh.bootstrap;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The static bridge that advice calls. It lives on the bootstrap class path so that rewritten
 * JDK classes and every application class loader see the same copy.
 *
 * <p>Until the data path installs itself, and after it uninstalls, every hook is a no-op that
 * returns its input. A hook never lets an exception reach the application: the data path's
 * failure is counted, logged once per cause, and the application's call goes on as if jmesh were
 * absent. Calls made from the agent's own threads, and accepts on the agent's own listening
 * ports, never reach the data path, so the agent's sockets stay invisible to its own hooks.
 */
public final class MeshHooks {

  private static volatile MeshBridge bridge;

  /** Ports the agent itself listens on (admin, metrics); copy-on-write, read without locks. */
  private static volatile int[] agentPorts = new int[0];

  private static final ThreadLocal<Boolean> AGENT_THREAD = new ThreadLocal<>();

  /** The trace headers of the inbound request the thread serves; see {@link #enterInbound}. */
  private static final ThreadLocal<MeshTraceContext> INBOUND = new ThreadLocal<>();

  /** Set while a direct path connects to the endpoint it picked; see {@link #enterDirectConnect}. */
  private static final ThreadLocal<Boolean> DIRECT_CONNECT = new ThreadLocal<>();

  /** Set while a direct-inbound server binds its port; see {@link #enterDirectBind}. */
  private static final ThreadLocal<Boolean> DIRECT_BIND = new ThreadLocal<>();

  private static final LongAdder FAILURES = new LongAdder();

  private static final ConcurrentHashMap<String, Boolean> REPORTED_CAUSES =
      new ConcurrentHashMap<>();

  private MeshHooks() {}

  /** Makes {@code dataPath} receive every hook from now on. */
  public static void install(MeshBridge dataPath) {
    bridge = dataPath;
  }

  /** Returns every hook to its no-op default; in-flight calls finish on the old bridge. */
  public static void uninstall() {
    bridge = null;
  }

  public static boolean isInstalled() {
    return bridge != null;
  }

  /** Marks the calling thread as one of the agent's own; called first thing in its run(). */
  public static void markAgentThread() {
    AGENT_THREAD.set(Boolean.TRUE);
  }

  public static boolean isAgentThread() {
    return AGENT_THREAD.get() != null;
  }

  /** Declares a port the agent listens on, so accepts on it are not reported. */
  public static synchronized void addAgentPort(int port) {
    int[] old = agentPorts;
    int[] next = java.util.Arrays.copyOf(old, old.length + 1);
    next[old.length] = port;
    agentPorts = next;
  }

  public static synchronized void removeAgentPort(int port) {
    int[] old = agentPorts;
    agentPorts = java.util.Arrays.stream(old).filter(p -> p != port).toArray();
  }

  /** Data-path failures swallowed by hooks since start. */
  public static long failureCount() {
    return FAILURES.sum();
  }

  public static SocketAddress beforeConnect(SocketAddress target) {
    MeshBridge b = bridge;
    if (b == null
        || target == null
        || target instanceof MeshEndpointAddress
        || isAgentThread()
        || DIRECT_CONNECT.get() != null) {
      // A direct path's own connect to the endpoint it routed to goes straight there.
      return target;
    }
    try {
      SocketAddress replacement = b.beforeConnect(target);
      return replacement != null ? replacement : target;
    } catch (Throwable t) {
      failed("connect", t);
      return target;
    }
  }

  public static void afterBind(ServerSocket server) {
    MeshBridge b = bridge;
    if (b == null || server == null || isAgentThread()) {
      return;
    }
    try {
      b.afterBind(server);
    } catch (Throwable t) {
      failed("bind", t);
    }
  }

  public static void afterBind(ServerSocketChannel server) {
    MeshBridge b = bridge;
    if (b == null || server == null || isAgentThread()) {
      return;
    }
    try {
      b.afterBind(server);
    } catch (Throwable t) {
      failed("bind", t);
    }
  }

  public static void afterAccept(Socket accepted) {
    MeshBridge b = bridge;
    if (b == null || accepted == null || isAgentPort(accepted.getLocalPort())) {
      return;
    }
    try {
      b.afterAccept(accepted);
    } catch (Throwable t) {
      failed("accept", t);
    }
  }

  public static void afterAccept(SocketChannel accepted) {
    MeshBridge b = bridge;
    if (b == null || accepted == null || isAgentThread()) {
      return;
    }
    try {
      if (isAgentPort(localPort(accepted))) {
        return;
      }
      b.afterAccept(accepted);
    } catch (Throwable t) {
      failed("accept", t);
    }
  }

  /**
   * Decides an outbound HTTP request for a direct-path instrumentation: the call to drive, or
   * {@code null} to send the request untouched (not a mesh request, a route the library cannot
   * follow by itself, or a data-path failure — counted and logged once).
   */
  public static MeshCall outbound(String library, int capabilities, MeshRequest request) {
    MeshBridge b = bridge;
    if (b == null || request == null || isAgentThread()) {
      return null;
    }
    try {
      return b.outbound(library, capabilities, request);
    } catch (Throwable t) {
      failed("http-request:" + library, t);
      return null;
    }
  }

  /**
   * The TLS a direct path puts on its connection to {@code endpoint}, {@code null} for plaintext.
   * A failure here must not leave a connection the mesh secures in plaintext: the caller fails the
   * connect instead (this throws).
   */
  public static SSLContext tlsFor(InetSocketAddress endpoint) throws java.io.IOException {
    MeshBridge b = bridge;
    if (b == null || endpoint == null) {
      return null;
    }
    try {
      return b.tlsFor(endpoint);
    } catch (Throwable t) {
      failed("tls", t);
      throw new java.net.ConnectException(
          "jmesh: cannot choose the TLS for " + endpoint + " (" + t + ")");
    }
  }

  /**
   * Runs {@code task} after {@code nanos} on the mesh's timer thread: how direct paths wait for a
   * fault delay, a retry's back-off or a timeout without holding a thread. The task must only hand
   * work on (complete a future, enqueue a call), never do I/O on the timer thread. Cancel the
   * returned future to drop the task.
   */
  public static Future<?> schedule(Runnable task, long nanos) {
    MeshBridge b = bridge;
    if (b != null) {
      try {
        Future<?> f = b.schedule(task, nanos);
        if (f != null) {
          return f;
        }
      } catch (Throwable t) {
        failed("timer", t);
      }
    }
    // Without the mesh's timer the JDK's shared delayer still waits without holding a thread.
    CompletableFuture<Void> f = new CompletableFuture<>();
    CompletableFuture.delayedExecutor(Math.max(0, nanos), TimeUnit.NANOSECONDS)
        .execute(
            () -> {
              if (!f.isDone()) {
                f.complete(null);
                task.run();
              }
            });
    return f;
  }

  /**
   * Marks the calling thread as connecting a direct path's chosen endpoint until {@link
   * #exitDirectConnect()}: the socket hooks then let the connect through instead of sending it to
   * the engine. Use it around the library's own connect call, in a {@code try/finally}.
   */
  public static void enterDirectConnect() {
    DIRECT_CONNECT.set(Boolean.TRUE);
  }

  public static void exitDirectConnect() {
    DIRECT_CONNECT.remove();
  }

  /**
   * Marks the calling thread as binding a server whose instrumentation serves mesh connections
   * itself (direct inbound) until {@link #exitDirectBind()}: the data path then does not hand the
   * port to the engine when the mesh serves that library's inbound traffic directly, and answers
   * {@link #inbound} for its connections. Use it around the library's own bind, in a {@code
   * try/finally}, on the thread that calls the JDK's bind.
   */
  public static void enterDirectBind() {
    DIRECT_BIND.set(Boolean.TRUE);
  }

  public static void exitDirectBind() {
    DIRECT_BIND.remove();
  }

  /** Whether the calling thread is inside {@link #enterDirectBind()}; read by the data path. */
  public static boolean inDirectBind() {
    return DIRECT_BIND.get() != null;
  }

  /**
   * A server accepted a connection from {@code remote} on {@code local}: how the mesh wants it
   * served when the data path serves that port directly, or {@code null} to leave the connection
   * to the application as it is (not a mesh port, or one the engine serves). A data-path failure
   * answers {@link #REFUSING}: a port the mesh serves directly may be STRICT, and STRICT fails
   * closed.
   */
  public static MeshInbound inbound(
      String library, InetSocketAddress local, InetSocketAddress remote) {
    MeshBridge b = bridge;
    // The agent's own servers (admin, metrics: a JDK HttpServer) are never the mesh's to serve.
    if (b == null || local == null || isAgentThread() || isAgentPort(local.getPort())) {
      return null;
    }
    try {
      return b.inbound(library, local, remote);
    } catch (Throwable t) {
      failed("inbound:" + library, t);
      return REFUSING;
    }
  }

  /**
   * A servlet container serves a request on a port the engine took over ({@code localPort}, the
   * request's) from {@code remoteAddress:remotePort} (an IP literal and port: the engine's loopback
   * connection), as the container reports them: the {@link MeshInbound} of the
   * downstream connection the engine relays over it, whose {@link MeshInbound#request} the request
   * must pass before the application sees it, or {@code null} to leave the request alone (the
   * engine's HTTP pipeline already checked it, or the port is not the mesh's). The first request on
   * a port claims it for the container: the engine then relays new connections instead of parsing
   * them. A data-path failure answers {@link #REFUSING}: the request is refused, never let through
   * unchecked. Takes what the container reports, unparsed, so that a request the mesh leaves alone
   * costs no allocation.
   */
  public static MeshInbound containerInbound(
      String library, int localPort, String remoteAddress, int remotePort) {
    MeshBridge b = bridge;
    if (b == null || isAgentThread() || isAgentPort(localPort)) {
      return null;
    }
    try {
      return b.containerInbound(library, localPort, remoteAddress, remotePort);
    } catch (Throwable t) {
      failed("container-inbound:" + library, t);
      return REFUSING;
    }
  }

  /** The answer to a connection when the data path failed: closed. */
  public static final MeshInbound REFUSING =
      new MeshInbound() {
        @Override
        public boolean sniff() {
          return false;
        }

        @Override
        public long detectionTimeoutMillis() {
          return 0;
        }

        @Override
        public int transport(byte[] first, int length) {
          return REFUSE;
        }

        @Override
        public SSLContext tls() {
          return null;
        }

        @Override
        public javax.net.ssl.SSLParameters tlsParameters() {
          return null;
        }

        @Override
        public boolean secured(javax.net.ssl.SSLSession session) {
          return false;
        }

        @Override
        public boolean admitted() {
          return false;
        }

        @Override
        public boolean http() {
          return false;
        }

        @Override
        public MeshInboundRequest request(MeshRequest request) {
          return DENIED;
        }
      };

  /** A request on a connection the data path failed for: 503, never the application. */
  private static final MeshInboundRequest DENIED =
      new MeshInboundRequest() {
        @Override
        public boolean allowed() {
          return false;
        }

        @Override
        public int replyStatus() {
          return 503;
        }

        @Override
        public String replyBody() {
          return "jmesh: the mesh failed to check this request";
        }

        @Override
        public void requestHeaders(MeshHeaders headers) {}

        @Override
        public void responseHeaders(MeshHeaders headers) {}

        @Override
        public void finish(int status, int grpcStatus, long bytesReceived, long bytesSent) {}
      };

  /**
   * A thread-per-request server starts serving a request with these trace headers (each {@code
   * null} when absent) on this thread: the direct paths continue its trace on the outbound calls
   * made here until {@link #exitInbound()}. It replaces whatever the thread held, so a context a
   * failed handler left behind never outlives the next request.
   */
  public static void enterInbound(
      String traceparent,
      String tracestate,
      String b3,
      String b3TraceId,
      String b3SpanId,
      String b3Sampled,
      String requestId) {
    if (traceparent == null && b3 == null && b3TraceId == null && requestId == null) {
      INBOUND.remove();
      return;
    }
    INBOUND.set(
        new MeshTraceContext(
            traceparent, tracestate, b3, b3TraceId, b3SpanId, b3Sampled, requestId));
  }

  /**
   * {@code com.sun.net.httpserver.Filter.Chain.doFilter} entry: the JDK's HTTP server hands an
   * exchange ({@code Object}: the bridge cannot name the server's types) to the next filter or
   * the handler; its trace headers become the thread's inbound context.
   */
  public static void serverExchange(Object exchange) {
    MeshBridge b = bridge;
    if (b == null || exchange == null) {
      return;
    }
    try {
      b.serverExchange(exchange);
    } catch (Throwable t) {
      failed("server-exchange", t);
    }
  }

  /** {@code Filter.Chain.doFilter} exit: the exchange is handled. */
  public static void serverExchangeDone(Object exchange) {
    INBOUND.remove();
  }

  /** The handler is done with the request {@link #enterInbound} began. */
  public static void exitInbound() {
    INBOUND.remove();
  }

  /** The trace headers of the inbound request this thread serves, or {@code null}. */
  public static MeshTraceContext inboundContext() {
    return INBOUND.get();
  }

  /** {@code ServerSocket.bind} entry: the address the application's server really binds. */
  public static SocketAddress beforeBind(ServerSocket server, SocketAddress requested) {
    return bind(server, requested);
  }

  /** {@code ServerSocketChannelImpl.bind} entry. */
  public static SocketAddress beforeBind(ServerSocketChannel server, SocketAddress requested) {
    return bind(server, requested);
  }

  private static SocketAddress bind(Object server, SocketAddress requested) {
    try {
      return decideBind(server, requested);
    } finally {
      // The JDK HTTP server's mark is for this one bind: also gone if the bind then fails.
      JdkHttpServerHooks.bindEntered();
    }
  }

  private static SocketAddress decideBind(Object server, SocketAddress requested) {
    MeshBridge b = bridge;
    if (b == null || server == null || isAgentThread()) {
      return requested;
    }
    try {
      SocketAddress replacement = b.beforeBind(server, requested);
      return replacement != null ? replacement : requested;
    } catch (Throwable t) {
      failed("bind", t);
      return requested;
    }
  }

  /** {@code ServerSocket.getLocalPort} exit. Any thread: a lookup by identity, never a socket. */
  public static int reportedPort(ServerSocket server, int actual) {
    MeshBridge b = bridge;
    if (b == null) {
      return actual;
    }
    try {
      return b.reportedPort(server, actual);
    } catch (Throwable t) {
      failed("local-address", t);
      return actual;
    }
  }

  /** {@code ServerSocket.getInetAddress} exit. */
  public static InetAddress reportedInetAddress(ServerSocket server, InetAddress actual) {
    MeshBridge b = bridge;
    if (b == null) {
      return actual;
    }
    try {
      return b.reportedInetAddress(server, actual);
    } catch (Throwable t) {
      failed("local-address", t);
      return actual;
    }
  }

  /** {@code ServerSocketChannelImpl.getLocalAddress} and {@code localAddress} exits. */
  public static SocketAddress reportedAddress(ServerSocketChannel server, SocketAddress actual) {
    MeshBridge b = bridge;
    if (b == null) {
      return actual;
    }
    try {
      return b.reportedAddress(server, actual);
    } catch (Throwable t) {
      failed("local-address", t);
      return actual;
    }
  }

  public static void afterClose(ServerSocket server) {
    closed(server);
  }

  public static void afterClose(ServerSocketChannel server) {
    closed(server);
  }

  private static void closed(Object server) {
    MeshBridge b = bridge;
    if (b == null || server == null) {
      return;
    }
    try {
      b.afterClose(server);
    } catch (Throwable t) {
      failed("close", t);
    }
  }

  /**
   * {@code ServerSocketChannelImpl.accept} exit: reports the connection and returns it, unless the
   * data path refused it (a local process dialling an application's hidden port). A refused
   * connection is closed; a non-blocking server then sees {@code null}, "nothing to accept", which
   * every selector loop handles, and a blocking one gets the closed channel.
   */
  public static SocketChannel accepted(ServerSocketChannel server, SocketChannel accepted) {
    afterAccept(accepted);
    if (accepted != null && !accepted.isOpen() && server != null && !server.isBlocking()) {
      return null;
    }
    return accepted;
  }

  /**
   * {@code ServerSocket.accept} exit (a plain blocking server; NIO's socket adaptor and SSL server
   * sockets have their own {@code accept}): the accepted socket, or the one that serves it as the
   * mesh wants when the mesh serves the port directly (library {@code jdk-socket}).
   */
  public static Socket acceptedSocket(ServerSocket server, Socket accepted) {
    if (bridge == null || accepted == null || isAgentThread()) {
      return accepted;
    }
    try {
      return MeshAcceptedSocket.accepted(accepted);
    } catch (Throwable t) {
      failed("inbound:jdk-socket", t);
      return accepted;
    }
  }

  // ---- the JDK's HTTP server (jdk.httpserver), direct inbound: see JdkHttpServerHooks ----

  /** {@code ServerImpl(HttpServer, String protocol, InetSocketAddress, int)} entry. */
  public static void httpServerCreating(Object protocol) {
    JdkHttpServerHooks.creating(protocol);
  }

  /** {@code ServerImpl(...)} exit. */
  public static void httpServerCreated(Object server) {
    JdkHttpServerHooks.created(server);
  }

  /** {@code ServerImpl.bind(InetSocketAddress, int)} entry. */
  public static InetSocketAddress httpServerBinding(Object server, InetSocketAddress address) {
    JdkHttpServerHooks.binding(server);
    return address;
  }

  /** {@code ServerImpl.bind(InetSocketAddress, int)} exit. */
  public static void httpServerBound(Object server) {
    JdkHttpServerHooks.bound();
  }

  /**
   * {@code Request.ReadStream(ServerImpl, SocketChannel)} entry: the channel a new connection's
   * request stream reads.
   */
  public static SocketChannel httpServerChannel(SocketChannel channel) {
    if (bridge == null || channel == null || isAgentThread()) {
      return channel;
    }
    return JdkHttpServerHooks.channel(channel);
  }

  /** {@code Request.WriteStream(ServerImpl, SocketChannel)} entry: what its response writes. */
  public static SocketChannel httpServerWriteChannel(SocketChannel channel) {
    return JdkHttpServerHooks.writeChannel(channel);
  }

  /** {@code Filter.Chain(List, HttpHandler)} entry: the filters a chain runs. */
  @SuppressWarnings("rawtypes")
  public static java.util.List httpServerFilters(java.util.List filters) {
    if (bridge == null || filters == null) {
      return filters;
    }
    return JdkHttpServerHooks.filters(filters);
  }

  /** The data path's class loader (the agent's), where the server-side helpers live. */
  static ClassLoader bridgeLoader() {
    MeshBridge b = bridge;
    return b == null ? null : b.getClass().getClassLoader();
  }

  /** {@code InetAddress.getAllByName} entry: the mesh's answer for a name it knows, else null. */
  public static InetAddress[] resolve(String host) {
    MeshBridge b = bridge;
    if (b == null || host == null || isAgentThread()) {
      return null;
    }
    try {
      return b.resolve(host);
    } catch (Throwable t) {
      failed("resolve", t);
      return null;
    }
  }

  private static int localPort(SocketChannel channel) throws java.io.IOException {
    SocketAddress local = channel.getLocalAddress();
    return local instanceof InetSocketAddress ? ((InetSocketAddress) local).getPort() : -1;
  }

  private static boolean isAgentPort(int port) {
    for (int p : agentPorts) {
      if (p == port) {
        return true;
      }
    }
    return false;
  }

  /**
   * Counts a data-path failure and logs its first occurrence per hook and exception type. The
   * log goes to stderr directly: the bridge may be the thing that is broken.
   */
  static void failed(String hook, Throwable t) {
    FAILURES.increment();
    String cause = hook + ':' + t.getClass().getName();
    if (REPORTED_CAUSES.putIfAbsent(cause, Boolean.TRUE) == null) {
      System.err.println(
          "[jmesh] WARN the data path failed in the " + hook + " hook (" + t
              + "); the application's call continues unmeshed. Further failures of this cause"
              + " are counted in jmesh_agent_hook_failures_total, not logged.");
    }
  }
}
