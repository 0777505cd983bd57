package dev.jmesh.instrumentation.okhttp.v3_9;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients of the OkHttp under test with the module's advice woven in as the agent weaves it: the
 * application writes plain OkHttp code and gets the mesh.
 */
class WovenClientTest {

  private static final long MS = 1_000_000L;

  @BeforeAll
  static void weave() throws Exception {
    assertThat(InstalledAdvice.install())
        .contains("okhttp3.OkHttpClient$Builder")
        .containsAnyOf("okhttp3.RealCall", "okhttp3.internal.connection.RealCall");
  }

  @Test
  void everyClientGetsTheMeshInterceptorFirstAndTheMeshSocketFactory() {
    OkHttpClient plain = new OkHttpClient();
    OkHttpClient built = new OkHttpClient.Builder().build();
    OkHttpClient derived = built.newBuilder().build();

    for (OkHttpClient client : List.of(plain, built, derived)) {
      assertThat(client.interceptors()).hasSize(1);
      assertThat(client.interceptors().get(0)).isInstanceOf(MeshInterceptor.class);
      assertThat(((MeshInterceptor) client.interceptors().get(0)).ownsTransport()).isTrue();
      assertThat(client.socketFactory()).isInstanceOf(MeshSocketFactory.class);
    }
  }

  @Test
  void theApplicationsSocketFactoryIsWrappedAndItsInterceptorListRepaired() {
    SocketFactory own =
        new SocketFactory() {
          @Override
          public java.net.Socket createSocket() {
            return new java.net.Socket();
          }

          @Override
          public java.net.Socket createSocket(String host, int port) {
            throw new UnsupportedOperationException();
          }

          @Override
          public java.net.Socket createSocket(
              String host, int port, java.net.InetAddress local, int localPort) {
            throw new UnsupportedOperationException();
          }

          @Override
          public java.net.Socket createSocket(java.net.InetAddress host, int port) {
            throw new UnsupportedOperationException();
          }

          @Override
          public java.net.Socket createSocket(
              java.net.InetAddress host, int port, java.net.InetAddress local, int localPort) {
            throw new UnsupportedOperationException();
          }
        };
    OkHttpClient.Builder builder = new OkHttpClient.Builder().socketFactory(own);
    builder.interceptors().clear();
    builder.addInterceptor(chain -> chain.proceed(chain.request()));

    OkHttpClient client = builder.build();

    assertThat(client.socketFactory()).isEqualTo(new MeshSocketFactory(own));
    assertThat(client.interceptors()).hasSize(2);
    assertThat(client.interceptors().get(0)).isInstanceOf(MeshInterceptor.class);
  }

  @Test
  void theClientsRedirectSettingReachesTheInterceptor() {
    OkHttpClient client = new OkHttpClient.Builder().followRedirects(false).build();

    assertThat(client.interceptors()).hasSize(1);
    assertThat(((MeshInterceptor) client.interceptors().get(0)).followsRedirects()).isFalse();
    assertThat(((MeshInterceptor) new OkHttpClient().interceptors().get(0)).followsRedirects())
        .isTrue();
  }

  @Test
  void aProxiedClientLeavesMutualTlsToTheEngine() {
    OkHttpClient client =
        new OkHttpClient.Builder()
            .proxy(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", 3128)))
            .build();

    assertThat(((MeshInterceptor) client.interceptors().get(0)).ownsTransport()).isFalse();
  }

  @Test
  void delayedAsynchronousCallsAreEnqueuedByTheTimer() throws Exception {
    long delay = 600 * MS;
    int calls = 30;
    try (ScriptedBridge mesh = ScriptedBridge.install();
        Backend backend = Backend.plain("127.0.0.2")) {
      OkHttpClient client = new OkHttpClient();
      mesh.route("ratings", 9080, r -> new ScriptedCall().endpoints(backend.address()));
      mesh.route(
          "reviews", 9080, r -> new ScriptedCall().endpoints(backend.address()).delay(delay));
      CountDownLatch warm = new CountDownLatch(1);
      client
          .newCall(new Request.Builder().url("http://ratings:9080/warm-up").build())
          .enqueue(counting(warm, new CopyOnWriteArrayList<>()));
      assertThat(warm.await(5, TimeUnit.SECONDS)).isTrue();
      CountDownLatch done = new CountDownLatch(calls);
      List<Integer> statuses = new CopyOnWriteArrayList<>();

      long start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        client
            .newCall(new Request.Builder().url("http://reviews:9080/" + i).build())
            .enqueue(counting(done, statuses));
      }
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      long elapsed = System.nanoTime() - start;

      assertThat(elapsed).isBetween(delay, 2 * delay);
      assertThat(statuses).hasSize(calls).containsOnly(200);
      // Decided once each, at enqueue; the interceptor took the decision instead of asking again.
      assertThat(mesh.calls()).hasSize(calls + 1);
      assertThat(backend.seen())
          .hasSize(calls + 1)
          .allSatisfy(seen -> assertThat(seen.host()).isIn("reviews:9080", "ratings:9080"));
      client.dispatcher().executorService().shutdownNow();
    }
  }

  private static Callback counting(CountDownLatch done, List<Integer> statuses) {
    return new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        done.countDown();
      }

      @Override
      public void onResponse(Call call, Response response) {
        statuses.add(response.code());
        response.close();
        done.countDown();
      }
    };
  }
}
