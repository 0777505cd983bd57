package dev.jmesh.testapps.client;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * {@code http2} and {@code ws} through the JDK's {@link HttpClient}. One client is shared, as an
 * application would, so its connections (and h2c upgrades) are reused across commands.
 */
final class JdkHttpClientCommands {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_2)
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private JdkHttpClientCommands() {}

  /** {@code http2 <url>}: a GET preferring HTTP/2 (h2c upgrade for {@code http://}). */
  static String http2(String[] args) throws Exception {
    ClientCommand.expect(args, 1, "http2 <url>");
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(args[0])).timeout(TIMEOUT).GET().build();
    HttpResponse<InputStream> response =
        CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
    return "status="
        + response.statusCode()
        + " version="
        + response.version().name()
        + " body="
        + Bodies.readShown(response.body());
  }

  /** {@code ws <ws://url> <message>}: sends one text message and waits for one reply. */
  static String webSocket(String[] args) throws Exception {
    ClientCommand.expect(args, 2, "ws <ws://url> <message>");
    CompletableFuture<String> reply = new CompletableFuture<>();
    WebSocket socket =
        CLIENT
            .newWebSocketBuilder()
            .connectTimeout(TIMEOUT)
            .buildAsync(URI.create(args[0]), new FirstTextListener(reply))
            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    try {
      socket.sendText(args[1], true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return "reply=" + reply.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").whenComplete((ws, e) -> socket.abort());
    }
  }

  /** Completes with the first whole text message; text may arrive in several parts. */
  private static final class FirstTextListener implements WebSocket.Listener {

    private final CompletableFuture<String> reply;
    private final StringBuilder text = new StringBuilder();

    FirstTextListener(CompletableFuture<String> reply) {
      this.reply = reply;
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence part, boolean last) {
      text.append(part);
      if (last) {
        reply.complete(text.toString());
      }
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int status, String reason) {
      reply.completeExceptionally(
          new IllegalStateException("closed before a reply: " + status + " " + reason));
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      reply.completeExceptionally(error);
    }
  }
}
