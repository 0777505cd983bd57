package dev.jmesh.bootstrap;

import java.net.InetSocketAddress;

/**
 * The direct path of the JDK's {@code java.net.http.HttpClient}, implemented in the agent's class
 * loader. {@code java.net.http} belongs to the platform class loader, which the bootstrap class
 * path cannot see, so the woven JDK code hands its objects over as {@code Object}s through {@link
 * JdkHttpClientHooks} and the implementation, which can see {@code java.net.http}, casts them back.
 * Every method is called from inside the JDK's HTTP client and must not block.
 */
public interface JdkHttpClientBridge {

  /**
   * {@code HttpClientImpl.sendAsync(request, handler, pushHandler, executor)}: the mesh's {@code
   * CompletableFuture<HttpResponse<T>>} for the request, or {@code null} to let the client send it
   * as the application wrote it. Called on every thread, the agent's own included: their requests
   * are the application's to leave alone ({@link MeshHooks#outbound} answers {@code null} there).
   */
  Object sendAsync(
      Object client, Object request, Object handler, Object pushHandler, Object executor);

  /**
   * The executor the client's {@code sendAsync} of {@code request} completes on: the one the
   * application's own call gave ({@code null} for {@code send}, which completes without a hop) when
   * {@code request} is an attempt the mesh sends on its behalf, else {@code given}.
   */
  default Object executorFor(Object request, Object given) {
    return given;
  }

  /**
   * The client built {@code requestImpl} ({@code HttpRequestImpl}) from {@code request}, the one
   * passed to its {@code sendAsync}, to send it.
   */
  void requestCreated(Object requestImpl, Object request);

  /** The client built {@code requestImpl} from {@code from} to follow a redirect or a challenge. */
  void requestDerived(Object requestImpl, Object from);

  /**
   * Where the client connects for {@code requestImpl}, {@code null} for where its URI says. A map
   * lookup: it runs inside the client's locks.
   */
  InetSocketAddress address(Object requestImpl);

  /** Whether the client's connection for {@code requestImpl} must be TLS; a map lookup. */
  boolean secure(Object requestImpl, boolean secure);
}
