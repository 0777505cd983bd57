package dev.jmesh.testapps.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every HTTP kind, on a real loopback port, serves the same endpoints the same way. */
class HttpServerKindsTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private final HttpClient http1 =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @ParameterizedTest
  @ValueSource(strings = {"jdk", "netty", "jetty", "tomcat"})
  void reportsWhatTheServerSawAndStreamsBodies(String kind) throws Exception {
    AppServer server = newServer(kind);
    int port = server.start("127.0.0.1", 0);
    try {
      String base = "http://127.0.0.1:" + port;
      HttpResponse<String> report =
          http1.send(
              HttpRequest.newBuilder(URI.create(base + "/some/path?a=1"))
                  .header("X-Forwarded-For", "10.1.2.3")
                  .header("X-Forwarded-Client-Cert", "By=spiffe://cluster.local/ns/a/sa/b")
                  .timeout(TIMEOUT)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(report.statusCode()).isEqualTo(200);
      assertThat(report.body())
          .startsWith("kind=" + kind + "\nmethod=GET\npath=/some/path?a=1\n")
          .contains("\nhost=127.0.0.1:" + port + "\n")
          .contains("\nxff=10.1.2.3\n")
          .contains("\nxfcc=By=spiffe://cluster.local/ns/a/sa/b\n")
          .containsPattern("\npeer=127\\.0\\.0\\.1:\\d+\n")
          .contains("\nprotocol=HTTP/1.1\n")
          .contains("\nheader:x-forwarded-for=10.1.2.3\n");

      assertThat(upload(base + "/upload", 3_000_000)).isEqualTo("received=3000000\n");

      HttpResponse<InputStream> download =
          http1.send(
              HttpRequest.newBuilder(URI.create(base + "/download?bytes=2500001")).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(download.headers().firstValueAsLong("content-length")).hasValue(2_500_001);
      try (InputStream body = download.body()) {
        assertThat(new String(body.readNBytes(11), StandardCharsets.US_ASCII))
            .isEqualTo("0123456789a");
        assertThat(11 + body.transferTo(OutputStream.nullOutputStream())).isEqualTo(2_500_001);
      }
    } finally {
      server.stopGracefully();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"jdk", "netty", "jetty", "tomcat"})
  void slowRequestDoesNotHoldOthersAndFinishesDuringGracefulStop(String kind) throws Exception {
    AppServer server = newServer(kind);
    String base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
    CompletableFuture<HttpResponse<String>> slow =
        http1.sendAsync(
            HttpRequest.newBuilder(URI.create(base + "/slow?ms=1500")).build(),
            HttpResponse.BodyHandlers.ofString());
    Thread.sleep(300);
    long started = System.nanoTime();
    HttpResponse<String> quick =
        http1.send(
            HttpRequest.newBuilder(URI.create(base + "/quick")).timeout(TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(quick.body()).contains("path=/quick");
    assertThat(System.nanoTime() - started).isLessThan(TimeUnit.MILLISECONDS.toNanos(1000));
    assertThat(slow).isNotDone();

    server.stopGracefully();

    assertThat(slow.get(5, TimeUnit.SECONDS).body()).isEqualTo("slow=1500\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"netty", "jetty", "tomcat"})
  void speaksH2cAndWebSocketOnTheSamePort(String kind) throws Exception {
    AppServer server = newServer(kind);
    int port = server.start("127.0.0.1", 0);
    try {
      HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
      HttpResponse<String> response =
          h2.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/h2"))
                  .timeout(TIMEOUT)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(response.body()).contains("\nprotocol=HTTP/2.0\n");

      CompletableFuture<String> reply = new CompletableFuture<>();
      WebSocket socket =
          h2.newWebSocketBuilder()
              .buildAsync(
                  URI.create("ws://127.0.0.1:" + port + "/ws"),
                  new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(
                        WebSocket ws, CharSequence text, boolean last) {
                      reply.complete(text.toString());
                      return null;
                    }
                  })
              .get(10, TimeUnit.SECONDS);
      socket.sendText("ping", true);
      assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("echo:ping");
      socket.abort();
    } finally {
      server.stopGracefully();
    }
  }

  private static String upload(String url, int bytes) throws Exception {
    HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setFixedLengthStreamingMode(bytes);
    try (OutputStream out = connection.getOutputStream()) {
      byte[] chunk = new byte[10_000];
      for (int sent = 0; sent < bytes; sent += chunk.length) {
        out.write(chunk, 0, Math.min(chunk.length, bytes - sent));
      }
    }
    assertThat(connection.getResponseCode()).isEqualTo(200);
    try (InputStream in = connection.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static AppServer newServer(String kind) {
    return switch (kind) {
      case "jdk" -> new JdkHttpAppServer();
      case "netty" -> new NettyAppServer();
      case "jetty" -> new JettyAppServer();
      case "tomcat" -> new TomcatAppServer();
      default -> throw new IllegalArgumentException(kind);
    };
  }
}
