package dev.jmesh.instrumentation.jdkhttpclient;

import java.net.http.HttpRequest;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a request's body can be sent again for a retry. The JDK's publishers over a byte array, a
 * string and a file, and no body, publish from the start to every subscriber without buffering
 * anything, so a retry costs no memory whatever their size; any other publisher (a stream, an
 * iterable, the application's own) may be one-shot and is never buffered by the mesh.
 */
final class ReplayableBodies {

  private static final Set<String> RESUBSCRIBABLE =
      Set.of(
          "jdk.internal.net.http.RequestPublishers$ByteArrayPublisher",
          "jdk.internal.net.http.RequestPublishers$StringPublisher",
          "jdk.internal.net.http.RequestPublishers$EmptyPublisher",
          "jdk.internal.net.http.RequestPublishers$FilePublisher");

  private ReplayableBodies() {}

  static boolean replayable(HttpRequest request) {
    Optional<HttpRequest.BodyPublisher> body = request.bodyPublisher();
    return body.isEmpty() || RESUBSCRIBABLE.contains(body.get().getClass().getName());
  }

  /** The body's length for the record: 0 when unknown. */
  static long length(HttpRequest request) {
    return request.bodyPublisher().map(p -> Math.max(0L, p.contentLength())).orElse(0L);
  }
}
