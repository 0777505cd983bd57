package dev.jmesh.instrumentation.okhttp.v3_9;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.util.ArrayList;
import java.util.List;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;
import okhttp3.Interceptor;
import org.junit.jupiter.api.Test;

/** What the builder advice leaves in a client: one mesh interceptor, first; the mesh factory. */
class ClientSetupTest {

  private final Interceptor app = chain -> chain.proceed(chain.request());

  @Test
  void theMeshInterceptorIsPutFirstOnceAndBoundToTheTransport() {
    List<Interceptor> interceptors = new ArrayList<>(List.of(app, new MeshInterceptor(true)));

    MeshInterceptor.install(interceptors, false, true);

    assertThat(interceptors).hasSize(2);
    assertThat(interceptors.get(0)).isInstanceOf(MeshInterceptor.class);
    assertThat(((MeshInterceptor) interceptors.get(0)).ownsTransport()).isFalse();
    assertThat(interceptors.get(1)).isSameAs(app);

    Interceptor first = interceptors.get(0);
    MeshInterceptor.install(interceptors, false, true);
    assertThat(interceptors).hasSize(2);
    assertThat(interceptors.get(0)).isSameAs(first);
  }

  @Test
  void onlyAClientConnectingThroughTheMeshFactoryWithoutAProxyOwnsItsTransport() {
    SocketFactory mesh = MeshSocketFactory.wrap(SocketFactory.getDefault());
    Proxy http = new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", 3128));

    assertThat(MeshInterceptor.ownsTransport(mesh, null, null)).isTrue();
    assertThat(MeshInterceptor.ownsTransport(mesh, Proxy.NO_PROXY, ProxySelector.getDefault()))
        .isTrue();
    assertThat(MeshInterceptor.ownsTransport(mesh, http, null)).isFalse();
    assertThat(MeshInterceptor.ownsTransport(SocketFactory.getDefault(), null, null)).isFalse();
  }

  @Test
  void theMeshFactoryWrapsOnceAndKeepsPoolKeysEqual() {
    SocketFactory once = MeshSocketFactory.wrap(SocketFactory.getDefault());

    assertThat(once).isInstanceOf(MeshSocketFactory.class);
    assertThat(MeshSocketFactory.wrap(once)).isSameAs(once);
    // Two builders wrapping the same factory must still share pooled connections.
    assertThat(MeshSocketFactory.wrap(SocketFactory.getDefault()))
        .isEqualTo(once)
        .hasSameHashCodeAs(once);
    SocketFactory tls = SSLSocketFactory.getDefault();
    assertThat(MeshSocketFactory.wrap(tls)).isSameAs(tls);
  }
}
