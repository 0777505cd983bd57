package dev.jmesh.instrumentation.jdkhttpclient;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP/2 (h2c) on the direct path: the client's HTTP/2 connections are keyed by the address the
 * request re-targets to, so each endpoint has its own multiplexed connection and a split holds.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class JdkHttpClientHttp2Test {

  private ScriptedBridge mesh;
  private Http2Backend v1;
  private Http2Backend v2;

  @BeforeAll
  static void installAgent() {
    DirectPathInstaller.install();
  }

  @BeforeEach
  void setUp() throws Exception {
    mesh = ScriptedBridge.install();
    v1 = new Http2Backend("127.0.0.2", "v1");
    v2 = new Http2Backend("127.0.0.3", "v2");
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    assertThat(DirectPathInstaller.boundRequestsAfterSettling()).isZero();
    mesh.close();
    v1.close();
    v2.close();
  }

  @Test
  void meshMutualTlsNegotiatesHttp2WithAlpn() throws Exception {
    TestIdentity server = new TestIdentity("reviews-v3");
    TestIdentity workload = new TestIdentity("productpage");
    SslContext serverTls =
        SslContextBuilder.forServer(server.keys.getPrivate(), server.certificate)
            .trustManager(workload.certificate)
            .clientAuth(ClientAuth.REQUIRE)
            .sslProvider(SslProvider.JDK)
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    "h2"))
            .build();
    try (Http2Backend v3 = new Http2Backend("127.0.0.6", "v3", serverTls)) {
      SSLContext meshTls = workload.contextTrusting(server);
      mesh.tls(v3.address(), meshTls);
      mesh.route("reviews", 9080, r -> new ScriptedCall().endpoints(v3.address()).tls(meshTls));
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

      for (int i = 0; i < 2; i++) {
        HttpResponse<String> response =
            client.send(
                HttpRequest.newBuilder(URI.create("http://reviews:9080/t" + i)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.body()).isEqualTo("v3");
      }

      assertThat(v3.streams())
          .extracting(Http2Backend.Stream::authority)
          .containsExactly("reviews:9080", "reviews:9080");
      assertThat(v3.streams()).extracting(Http2Backend.Stream::peer).containsOnly("CN=productpage");
      assertThat(v3.streams())
          .extracting(Http2Backend.Stream::connection)
          .containsOnly(v3.streams().get(0).connection());
    }
  }

  @Test
  void eachEndpointGetsItsOwnHttp2ConnectionAndTheAuthorityStays() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    int[] turn = {0};
    mesh.route(
        "reviews",
        9080,
        r -> new ScriptedCall().endpoints(turn[0]++ % 2 == 0 ? v1.address() : v2.address()));

    for (int i = 0; i < 6; i++) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create("http://reviews:9080/s" + i)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.body()).isEqualTo(i % 2 == 0 ? "v1" : "v2");
      if (i > 1) {
        // The first request to each endpoint upgrades its connection; the rest multiplex on it.
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
      }
    }

    assertThat(v1.streams())
        .extracting(Http2Backend.Stream::path)
        .containsExactly("/s0", "/s2", "/s4");
    assertThat(v2.streams())
        .extracting(Http2Backend.Stream::path)
        .containsExactly("/s1", "/s3", "/s5");
    assertThat(v1.streams())
        .extracting(Http2Backend.Stream::authority)
        .containsOnly("reviews:9080");
    assertThat(v1.streams())
        .extracting(Http2Backend.Stream::connection)
        .hasSize(3)
        .containsOnly(v1.streams().get(0).connection());
    assertThat(v2.streams())
        .extracting(Http2Backend.Stream::connection)
        .containsOnly(v2.streams().get(0).connection());
  }
}
