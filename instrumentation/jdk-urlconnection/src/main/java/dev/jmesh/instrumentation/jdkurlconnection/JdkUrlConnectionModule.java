package dev.jmesh.instrumentation.jdkurlconnection;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * The direct path of {@link java.net.HttpURLConnection} for {@code http://} URLs (the library label
 * is {@code jdk-urlconnection}): the mesh decides each connection object once, the JDK's own client
 * connects straight to the endpoint (its keep-alive cache keyed per endpoint), mTLS is layered on
 * that socket, and a failed connect moves on to the next endpoint. Statuses the route would retry,
 * local replies and everything else the direct path does not offer go through the engine (the data
 * path sends those requests untouched).
 *
 * <p>The classes rewritten are {@code java.base} internals, so the advice has no helpers: it calls
 * {@code dev.jmesh.bootstrap.UrlConnectionHooks}, which uses only the connection's public API.
 */
public final class JdkUrlConnectionModule implements InstrumentationModule {

  static final String CONNECTION = "sun.net.www.protocol.http.HttpURLConnection";
  static final String CLIENT = "sun.net.www.http.HttpClient";
  static final String NETWORK_CLIENT = "sun.net.NetworkClient";

  @Override
  public String name() {
    return "jdk-urlconnection";
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(
        new HttpUrlConnectionInstrumentation(),
        new HttpClientInstrumentation(),
        new NetworkClientInstrumentation());
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(CONNECTION, CLIENT, NETWORK_CLIENT);
  }
}
