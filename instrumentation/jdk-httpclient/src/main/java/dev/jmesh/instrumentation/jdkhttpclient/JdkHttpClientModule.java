package dev.jmesh.instrumentation.jdkhttpclient;

import dev.jmesh.bootstrap.JdkHttpClientHooks;
import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * The direct path of the JDK's {@code java.net.http.HttpClient} (JDK 17+): every {@code send} and
 * {@code sendAsync} of an {@code http://} request to a mesh destination is routed, retried, timed
 * and answered by the mesh on the client's own connections, one pool entry per endpoint, with the
 * mesh's mTLS on them when the destination wants it.
 *
 * <p>{@code java.net.http} is defined to the platform class loader, where no helper can be injected
 * and which cannot see the bootstrap bridge's types by name; so the woven advice is a few calls to
 * {@link JdkHttpClientHooks} with {@code Object}s, and the logic ({@link MeshHttpClient}) stays in
 * the agent's class loader, which sees {@code java.net.http}. Hooks:
 *
 * <ul>
 *   <li>{@code HttpClientImpl.sendAsync(request, handler, pushHandler, executor)}, which every send
 *       reaches: the mesh answers with its own future ({@link HttpClientInstrumentation});
 *   <li>{@code HttpRequestImpl}: its constructors bind a request to the mesh attempt that built it,
 *       {@code getAddress()} re-targets it to the attempt's endpoint (so the HTTP/1.1 pool and the
 *       HTTP/2 connection map are keyed per endpoint, the URI's authority stays the {@code Host}),
 *       {@code secure()} turns TLS on for mesh mTLS ({@link HttpRequestInstrumentation});
 *   <li>{@code AbstractAsyncSSLConnection}: the engine of a connection to a mesh endpoint gets the
 *       mesh's {@code SSLContext} ({@link SslConnectionInstrumentation}).
 * </ul>
 */
public final class JdkHttpClientModule implements InstrumentationModule {

  @Override
  public String name() {
    return "jdk-httpclient";
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(
        new HttpClientInstrumentation(),
        new HttpRequestInstrumentation(),
        new SslConnectionInstrumentation());
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(
        HttpClientInstrumentation.TARGET,
        HttpRequestInstrumentation.TARGET,
        SslConnectionInstrumentation.TARGET);
  }

  @Override
  public void installed() {
    JdkHttpClientHooks.install(new MeshHttpClient());
  }
}
