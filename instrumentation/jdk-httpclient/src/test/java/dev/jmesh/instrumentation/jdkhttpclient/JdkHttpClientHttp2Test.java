package dev.jmesh.instrumentation.jdkhttpclient;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.instrumentation.testing.ScriptedBridge;
import dev.jmesh.instrumentation.testing.ScriptedCall;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
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
  private H2cBackend v1;
  private H2cBackend v2;

  @BeforeAll
  static void installAgent() {
    DirectPathInstaller.install();
  }

  @BeforeEach
  void setUp() throws Exception {
    mesh = ScriptedBridge.install();
    v1 = new H2cBackend("127.0.0.2", "v1");
    v2 = new H2cBackend("127.0.0.3", "v2");
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    assertThat(DirectPathInstaller.boundRequestsAfterSettling()).isZero();
    mesh.close();
    v1.close();
    v2.close();
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
        .extracting(H2cBackend.Stream::path)
        .containsExactly("/s0", "/s2", "/s4");
    assertThat(v2.streams())
        .extracting(H2cBackend.Stream::path)
        .containsExactly("/s1", "/s3", "/s5");
    assertThat(v1.streams()).extracting(H2cBackend.Stream::authority).containsOnly("reviews:9080");
    assertThat(v1.streams())
        .extracting(H2cBackend.Stream::connection)
        .hasSize(3)
        .containsOnly(v1.streams().get(0).connection());
    assertThat(v2.streams())
        .extracting(H2cBackend.Stream::connection)
        .containsOnly(v2.streams().get(0).connection());
  }
}
