package dev.jmesh.instrumentation.testing;

import dev.jmesh.bootstrap.MeshBridge;
import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.bootstrap.MeshRequest;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * A stand-in for the data path (a test double, named as such) for an instrumentation's in-process
 * tests: a mesh host is decided by the test's script, every other host is left untouched, and every
 * call is kept for assertions. Install it around a test:
 *
 * <pre>{@code
 * try (ScriptedBridge mesh = ScriptedBridge.install()) {
 *   mesh.route("reviews", 9080, request -> new ScriptedCall().endpoints(v1, v2).retryOn(503));
 *   client.send(get("http://reviews:9080/"));
 *   assertThat(mesh.calls().get(0).attempts()).hasSize(2);
 * }
 * }</pre>
 */
public final class ScriptedBridge implements MeshBridge, AutoCloseable {

  private final Map<String, Function<MeshRequest, ScriptedCall>> routes = new ConcurrentHashMap<>();
  private final Map<InetSocketAddress, SSLContext> tls = new ConcurrentHashMap<>();
  private final Map<Integer, ScriptedInbound> inbound = new ConcurrentHashMap<>();
  private final List<ScriptedCall> calls = new CopyOnWriteArrayList<>();
  private final List<String> untouched = new CopyOnWriteArrayList<>();
  private final List<SocketAddress> connects = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "scripted-mesh-timer");
            t.setDaemon(true);
            return t;
          });

  private ScriptedBridge() {}

  /** A new bridge, installed in {@link MeshHooks} until {@link #close()}. */
  public static ScriptedBridge install() {
    ScriptedBridge b = new ScriptedBridge();
    MeshHooks.install(b);
    return b;
  }

  /** Requests to {@code host:port} get the call {@code decide} returns ({@code null}: untouched). */
  public ScriptedBridge route(String host, int port, Function<MeshRequest, ScriptedCall> decide) {
    routes.put(host + ":" + port, decide);
    return this;
  }

  /** The TLS {@link MeshHooks#tlsFor} answers for {@code endpoint}. */
  public ScriptedBridge tls(InetSocketAddress endpoint, SSLContext context) {
    tls.put(endpoint, context);
    return this;
  }

  /**
   * Connections accepted on local port {@code port} by a direct-inbound server get {@code
   * answers}; other ports are left alone ({@link MeshHooks#inbound} answers {@code null}).
   */
  public ScriptedBridge inbound(int port, ScriptedInbound answers) {
    inbound.put(port, answers);
    return this;
  }

  @Override
  public MeshInbound inbound(String library, InetSocketAddress local, InetSocketAddress remote) {
    return inbound.get(local.getPort());
  }

  /** The calls decided so far, in order. */
  public List<ScriptedCall> calls() {
    return calls;
  }

  /** {@code library method host:port path} of each request left untouched. */
  public List<String> untouched() {
    return untouched;
  }

  /** Every address a socket hook saw a connect to (the direct path's own are let through). */
  public List<SocketAddress> connects() {
    return connects;
  }

  @Override
  public MeshCall outbound(String library, int capabilities, MeshRequest request) {
    Function<MeshRequest, ScriptedCall> decide = routes.get(request.host() + ":" + request.port());
    ScriptedCall call = decide == null ? null : decide.apply(request);
    if (call == null) {
      untouched.add(
          library + " " + request.method() + " " + request.host() + ":" + request.port() + " "
              + request.path());
      return null;
    }
    call.decided(library, capabilities, request);
    calls.add(call);
    return call;
  }

  @Override
  public SSLContext tlsFor(InetSocketAddress endpoint) {
    return tls.get(endpoint);
  }

  @Override
  public Future<?> schedule(Runnable task, long nanos) {
    return timer.schedule(task, nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public SocketAddress beforeConnect(SocketAddress target) {
    connects.add(target);
    return target;
  }

  @Override
  public void afterBind(ServerSocket server) {}

  @Override
  public void afterBind(ServerSocketChannel server) {}

  @Override
  public void afterAccept(Socket accepted) {}

  @Override
  public void afterAccept(SocketChannel accepted) {}

  @Override
  public void close() {
    MeshHooks.uninstall();
    timer.shutdownNow();
  }
}
