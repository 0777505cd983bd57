package dev.jmesh.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final FakeEndpoints endpoints = new FakeEndpoints();
  private AdminServer server;
  private AdminServer second;

  @AfterEach
  void close() {
    if (second != null) {
      second.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static final class FakeEndpoints implements AdminEndpoints {
    volatile String notReady;
    final CountDownLatch quit = new CountDownLatch(1);
    final AtomicInteger quits = new AtomicInteger();

    @Override
    public String notReadyReason() {
      return notReady;
    }

    @Override
    public void writeMetrics(StringBuilder out) {
      out.append("jmesh_up 1\n");
    }

    @Override
    public String configDump() {
      return "{\"service\": \"reviews\"}\n";
    }

    @Override
    public String certs() {
      return "{\"identity\": \"spiffe://cluster.local/ns/default/sa/reviews\"}\n";
    }

    @Override
    public void quit() {
      quits.incrementAndGet();
      quit.countDown();
    }
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(5))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private void startAdmin() throws Exception {
    server = AdminServer.start("admin", LOOPBACK, 0, endpoints, false);
  }

  @Test
  void portZeroPicksAFreePort() throws Exception {
    startAdmin();
    assertThat(server.port()).isPositive();
  }

  @Test
  void readyWhenThereIsNoReason() throws Exception {
    startAdmin();
    HttpResponse<String> response = send("GET", "/ready");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("LIVE\n");
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
  }

  @Test
  void notReadyIs503WithTheReason() throws Exception {
    startAdmin();
    endpoints.notReady = "no config from the control plane yet";
    HttpResponse<String> response = send("GET", "/ready");
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).isEqualTo("NOT READY: no config from the control plane yet\n");
  }

  @Test
  void prometheusStats() throws Exception {
    startAdmin();
    HttpResponse<String> response = send("GET", "/stats/prometheus");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.body()).isEqualTo("jmesh_up 1\n");
  }

  @Test
  void configDumpIsJson() throws Exception {
    startAdmin();
    HttpResponse<String> response = send("GET", "/config_dump");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(response.body()).isEqualTo("{\"service\": \"reviews\"}\n");
  }

  @Test
  void certsIsJson() throws Exception {
    startAdmin();
    HttpResponse<String> response = send("GET", "/certs");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(response.body()).contains("spiffe://cluster.local/ns/default/sa/reviews");
  }

  @Test
  void postQuitQuitQuitCallsQuit() throws Exception {
    startAdmin();
    HttpResponse<String> response = send("POST", "/quitquitquit");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("OK\n");
    assertThat(endpoints.quit.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(endpoints.quits.get()).isEqualTo(1);
  }

  @Test
  void getQuitQuitQuitIs405AndDoesNotQuit() throws Exception {
    startAdmin();
    HttpResponse<String> response = send("GET", "/quitquitquit");
    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.body()).isEqualTo("use POST\n");
    // The handler runs on the server's single thread: once a later request is answered, a
    // quit() from the GET would already have happened.
    assertThat(send("GET", "/ready").statusCode()).isEqualTo(200);
    assertThat(endpoints.quits.get()).isZero();
  }

  @Test
  void metricsOnlyServesJustPrometheus() throws Exception {
    server = AdminServer.start("metrics", LOOPBACK, 0, endpoints, true);
    assertThat(send("GET", "/stats/prometheus").statusCode()).isEqualTo(200);
    assertThat(send("GET", "/ready").statusCode()).isEqualTo(404);
    assertThat(send("POST", "/quitquitquit").statusCode()).isEqualTo(404);
    assertThat(endpoints.quits.get()).isZero();
  }

  @Test
  void takenPortFallsBackToAnotherPort() throws Exception {
    startAdmin();
    int taken = server.port();
    second = AdminServer.start("admin", LOOPBACK, taken, endpoints, false);
    assertThat(second.port()).isPositive().isNotEqualTo(taken);
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + second.port() + "/ready"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void closeReleasesThePort() throws Exception {
    startAdmin();
    int port = server.port();
    server.close();
    server = AdminServer.start("admin", LOOPBACK, port, endpoints, false);
    assertThat(server.port()).isEqualTo(port);
  }
}
