package dev.jmesh.bootstrap;

import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The static entries that advice woven into {@code jdk.internal.net.http} calls: each delegates to
 * the {@link JdkHttpClientBridge} the agent installed and never throws; without one, or when it
 * fails, the client behaves as if jmesh were absent.
 *
 * <p>The TLS of a direct connection is decided here, in two steps on one thread: the SSL
 * connection's constructor sees the address it connects to ({@link #sslConnection}); when that is a
 * {@link MeshEndpointAddress} with mesh TLS, the engine the constructor creates next gets the
 * mesh's context and parameters ({@link #engineContext}, {@link #engineParameters}).
 */
public final class JdkHttpClientHooks {

  private static volatile JdkHttpClientBridge bridge;

  /** The mesh TLS of the SSL connection this thread is constructing; see {@link #sslConnection}. */
  private static final ThreadLocal<SSLContext> ENGINE_TLS = new ThreadLocal<>();

  private static final ConcurrentHashMap<String, Boolean> REPORTED_CAUSES =
      new ConcurrentHashMap<>();

  private JdkHttpClientHooks() {}

  public static void install(JdkHttpClientBridge directPath) {
    bridge = directPath;
  }

  public static void uninstall() {
    bridge = null;
  }

  /**
   * {@code HttpClientImpl.sendAsync} entry: the mesh's answer, or {@code null} to carry on. The
   * agent's own threads are told apart by the bridge ({@link MeshHooks#outbound} asks), after the
   * checks that let the mesh's own attempts through without a thread-local lookup.
   */
  public static Object sendAsync(
      Object client, Object request, Object handler, Object pushHandler, Object executor) {
    JdkHttpClientBridge b = bridge;
    if (b == null) {
      return null;
    }
    try {
      return b.sendAsync(client, request, handler, pushHandler, executor);
    } catch (Throwable t) {
      failed("send", t);
      return null;
    }
  }

  /**
   * {@code HttpClientImpl.sendAsync} entry, when the mesh did not answer: the executor to complete
   * on. An attempt the mesh sends for a {@code send} completes as {@code send} itself would.
   */
  public static Object executorFor(Object request, Object given) {
    JdkHttpClientBridge b = bridge;
    if (b == null) {
      return given;
    }
    try {
      return b.executorFor(request, given);
    } catch (Throwable t) {
      failed("send", t);
      return given;
    }
  }

  /** {@code HttpRequestImpl(HttpRequest, ProxySelector)} exit. */
  public static void requestCreated(Object requestImpl, Object request) {
    JdkHttpClientBridge b = bridge;
    if (b == null) {
      return;
    }
    try {
      b.requestCreated(requestImpl, request);
    } catch (Throwable t) {
      failed("request", t);
    }
  }

  /** The exit of {@code HttpRequestImpl}'s redirect and authentication constructors. */
  public static void requestDerived(Object requestImpl, Object from) {
    JdkHttpClientBridge b = bridge;
    if (b == null) {
      return;
    }
    try {
      b.requestDerived(requestImpl, from);
    } catch (Throwable t) {
      failed("request", t);
    }
  }

  /** {@code HttpRequestImpl.getAddress} entry: the endpoint to connect to, or {@code null}. */
  public static InetSocketAddress address(Object requestImpl) {
    JdkHttpClientBridge b = bridge;
    if (b == null) {
      return null;
    }
    try {
      return b.address(requestImpl);
    } catch (Throwable t) {
      failed("address", t);
      return null;
    }
  }

  /** {@code HttpRequestImpl.secure} exit. */
  public static boolean secure(Object requestImpl, boolean secure) {
    JdkHttpClientBridge b = bridge;
    if (b == null) {
      return secure;
    }
    try {
      return b.secure(requestImpl, secure);
    } catch (Throwable t) {
      failed("secure", t);
      return secure;
    }
  }

  /**
   * {@code AbstractAsyncSSLConnection}'s constructor entry: a connection to a direct path's
   * endpoint gets the mesh's TLS for it. A failure to choose it leaves the client's own TLS, which
   * cannot verify an IP against a certificate, so the connection fails rather than go unsecured.
   */
  public static void sslConnection(InetSocketAddress address) {
    if (!(address instanceof MeshEndpointAddress)) {
      ENGINE_TLS.remove();
      return;
    }
    try {
      SSLContext context = MeshHooks.tlsFor(address);
      if (context != null) {
        ENGINE_TLS.set(context);
        return;
      }
    } catch (Throwable t) {
      failed("tls", t);
    }
    ENGINE_TLS.remove();
  }

  /**
   * {@code AbstractAsyncSSLConnection}'s constructor exit. A constructor that threw before it got
   * here leaves nothing that matters: the next one on the thread sets or clears it on entry, and
   * only a constructor creates an engine.
   */
  public static void sslConnectionDone() {
    ENGINE_TLS.remove();
  }

  /** {@code AbstractAsyncSSLConnection.createEngine} entry: the context to create it with. */
  public static SSLContext engineContext(SSLContext context) {
    SSLContext mesh = ENGINE_TLS.get();
    return mesh != null ? mesh : context;
  }

  /**
   * {@code AbstractAsyncSSLConnection.createEngine} entry: for mesh TLS, the mesh context's own
   * parameters (the client's protocols and cipher suites are named for its provider, which may not
   * be the mesh's), without host name verification (the context's trust manager checks the peer's
   * SPIFFE ID; there is no name to check an IP against) and with no SNI. The client's ALPN stays as
   * it set it.
   */
  public static SSLParameters engineParameters(SSLParameters parameters) {
    SSLContext mesh = ENGINE_TLS.get();
    if (mesh == null || parameters == null) {
      return parameters;
    }
    SSLParameters own = mesh.getDefaultSSLParameters();
    own.setApplicationProtocols(parameters.getApplicationProtocols());
    own.setEndpointIdentificationAlgorithm(null);
    own.setServerNames(java.util.List.of());
    return own;
  }

  /** Logs the first failure per hook and cause; the application's call goes on unmeshed. */
  private static void failed(String hook, Throwable t) {
    String cause = hook + ':' + t.getClass().getName();
    if (REPORTED_CAUSES.putIfAbsent(cause, Boolean.TRUE) == null) {
      System.err.println(
          "[jmesh] WARN the JDK HttpClient direct path failed in the "
              + hook
              + " hook ("
              + t
              + "); that request continues unmeshed. Further failures of this cause"
              + " are not logged.");
    }
  }
}
