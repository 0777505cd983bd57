package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshHooks;
import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.util.List;
import javax.net.SocketFactory;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Injected into the application class loader that loads OkHttp, first among each client's
 * application interceptors, so it sees each call once, before OkHttp's own retries, redirects and
 * auth follow-ups: hands the request to the data path and, for a mesh destination, drives it on the
 * direct path ({@link DirectExchange}); anything else proceeds exactly as the application wrote it.
 *
 * <p>A client's interceptor knows whether the mesh owns that client's transport: connections made
 * by the mesh socket factory, with no proxy in between. Only then can a route with mTLS go direct.
 */
public final class MeshInterceptor implements Interceptor {

  static final String LIBRARY = "okhttp";

  private static final int ALWAYS = MeshCall.CAN_RETRY | MeshCall.CAN_REPLY | MeshCall.CAN_DELAY;

  private final int capabilities;
  private final boolean followRedirects;

  public MeshInterceptor(boolean ownTransport, boolean followRedirects) {
    this.capabilities = ownTransport ? ALWAYS | MeshCall.CAN_TLS : ALWAYS;
    this.followRedirects = followRedirects;
  }

  /** For a client that follows redirects, OkHttp's default. */
  public MeshInterceptor(boolean ownTransport) {
    this(ownTransport, true);
  }

  /**
   * Makes the mesh's interceptor the first of {@code interceptors}, the only one of its kind, and
   * bound to the client's transport and redirect setting; idempotent.
   */
  public static void install(
      List<Interceptor> interceptors, boolean ownTransport, boolean followRedirects) {
    if (!interceptors.isEmpty()
        && interceptors.get(0) instanceof MeshInterceptor
        && ((MeshInterceptor) interceptors.get(0)).ownsTransport() == ownTransport
        && ((MeshInterceptor) interceptors.get(0)).followsRedirects() == followRedirects
        && of(interceptors.subList(1, interceptors.size())) == null) {
      return;
    }
    for (int i = interceptors.size() - 1; i >= 0; i--) {
      if (interceptors.get(i) instanceof MeshInterceptor) {
        interceptors.remove(i);
      }
    }
    interceptors.add(0, new MeshInterceptor(ownTransport, followRedirects));
  }

  /**
   * Whether a client with these settings connects through the mesh socket factory straight to the
   * endpoint: a proxy (set, selected or from the system properties) would carry the TLS-less HTTP
   * past the mesh, and a SOCKS proxy does not use the factory at all.
   */
  public static boolean ownsTransport(SocketFactory factory, Proxy proxy, ProxySelector selector) {
    return factory instanceof MeshSocketFactory
        && (proxy == null || proxy.type() == Proxy.Type.DIRECT)
        && (selector == null || selector == ProxySelector.getDefault())
        && System.getProperty("http.proxyHost") == null
        && System.getProperty("socksProxyHost") == null;
  }

  /** The mesh's interceptor among {@code interceptors}, or {@code null}. */
  static MeshInterceptor of(List<Interceptor> interceptors) {
    for (int i = 0; i < interceptors.size(); i++) {
      if (interceptors.get(i) instanceof MeshInterceptor) {
        return (MeshInterceptor) interceptors.get(i);
      }
    }
    return null;
  }

  boolean ownsTransport() {
    return (capabilities & MeshCall.CAN_TLS) != 0;
  }

  boolean followsRedirects() {
    return followRedirects;
  }

  /** The data path's decision for {@code request}; {@code null}: send it untouched. */
  MeshCall decide(Request request) {
    int caps =
        RequestBodies.isOneShot(request.body())
            ? capabilities | MeshCall.ONE_SHOT_BODY
            : capabilities;
    return MeshHooks.outbound(LIBRARY, caps, new OkHttpMeshRequest(request));
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Object early = EnqueuedDecisions.take(chain.call());
    MeshCall call;
    if (early == null) {
      call = decide(chain.request());
    } else {
      call = early instanceof MeshCall ? (MeshCall) early : null;
    }
    if (call == null) {
      return chain.proceed(chain.request());
    }
    return DirectExchange.run(chain, call, early != null, followRedirects);
  }
}
