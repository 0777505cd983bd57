package dev.jmesh.instrumentation.jdkurlconnection;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * The direct path of {@link java.net.HttpURLConnection} for {@code http://} URLs (the library label
 * is {@code jdk-urlconnection}), on the JDK's own classes, JDK 17 to 25:
 *
 * <ul>
 *   <li>decided once per connection object and authority when it opens its connection; route header
 *       changes, per-try and overall timeouts (as the connection's connect and read timeouts: a
 *       {@code SocketTimeoutException} for the application) and fault delays (the caller parks)
 *       applied there;
 *   <li>re-targeted to the endpoint where the JDK picks its client, so its keep-alive cache is
 *       keyed per endpoint, while {@code Host} stays the application's;
 *   <li>mTLS layered on the JDK's own socket, also when it reconnects a stale keep-alive;
 *   <li>retries on connect failure, on a retriable status (one more turn of the connection's
 *       redirect loop, buffered body sent again) and on a broken or timed-out exchange, each to the
 *       next endpoint; a streamed body is never sent twice.
 * </ul>
 *
 * <p>Local replies (aborts, no route, overflow, redirects) are not offered, so those routes go
 * through the engine, as do {@code https://} URLs (the application's own TLS) and requests through
 * an application proxy. The classes rewritten are {@code java.base} internals, so the advice has no
 * helpers: it calls {@code dev.jmesh.bootstrap.UrlConnectionHooks}, which uses only the
 * connection's public API.
 */
public final class JdkUrlConnectionModule implements InstrumentationModule {

  static final String CONNECTION = "sun.net.www.protocol.http.HttpURLConnection";
  static final String CLIENT = "sun.net.www.http.HttpClient";
  static final String NETWORK_CLIENT = "sun.net.NetworkClient";
  static final String KEEP_ALIVE_CACHE = "sun.net.www.http.KeepAliveCache";

  @Override
  public String name() {
    return "jdk-urlconnection";
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(
        new HttpUrlConnectionInstrumentation(),
        new HttpClientInstrumentation(),
        new NetworkClientInstrumentation(),
        new KeepAliveCacheInstrumentation());
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(CONNECTION, CLIENT, NETWORK_CLIENT, KEEP_ALIVE_CACHE);
  }
}
