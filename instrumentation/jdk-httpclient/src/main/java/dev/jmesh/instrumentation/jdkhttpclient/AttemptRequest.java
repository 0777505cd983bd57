package dev.jmesh.instrumentation.jdkhttpclient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One attempt's request: the application's, read in place, with the route's header changes and the
 * attempt's timeout. Made for every attempt, so it copies what the client does not copy itself and
 * nothing more: a copy through {@code HttpRequest.newBuilder(request, filter)} checked every header
 * value character by character, built a header map, and then the client checked and copied them all
 * again when it took the request.
 *
 * <p>The headers are those the builder would have accepted: a name the client reserves for itself
 * ({@code Host}, {@code Connection}, {@code Content-Length}…) and a value it would refuse are left
 * out, as the builder's copy left them out, and the client writes its own.
 *
 * <p>It carries its {@link Attempt}: the client's hooks know the mesh's own sends by their request,
 * on whatever thread the client handles them.
 */
final class AttemptRequest extends HttpRequest {

  /** Per header name: whether the client lets an application set it (its reserved names vary). */
  private static final ConcurrentHashMap<String, Boolean> SETTABLE = new ConcurrentHashMap<>();

  private static final int MAX_NAMES = 1024;

  final Attempt attempt;
  private final HttpRequest request;
  private final HttpHeaders headers;
  private final Optional<Duration> timeout;

  /**
   * @param edits the route's changes to the application's headers
   * @param timeoutNanos the attempt's timeout, 0 for the application's own
   */
  AttemptRequest(HttpRequest request, HeaderEdits edits, long timeoutNanos, Attempt attempt) {
    this.attempt = attempt;
    this.request = request;
    this.headers =
        edits.changed()
            ? edits.toHttpHeaders(
                (name, value) -> settable(name) && (edits.isMeshValue(value) || validValue(value)))
            : request.headers();
    this.timeout = timeoutNanos > 0 ? Optional.of(Duration.ofNanos(timeoutNanos)) : request.timeout();
  }

  @Override
  public Optional<BodyPublisher> bodyPublisher() {
    return request.bodyPublisher();
  }

  @Override
  public String method() {
    return request.method();
  }

  @Override
  public Optional<Duration> timeout() {
    return timeout;
  }

  @Override
  public boolean expectContinue() {
    return request.expectContinue();
  }

  @Override
  public URI uri() {
    return request.uri();
  }

  @Override
  public Optional<HttpClient.Version> version() {
    return request.version();
  }

  @Override
  public HttpHeaders headers() {
    return headers;
  }

  /** Whether the client accepts {@code name} from an application, asked once per name. */
  static boolean settable(String name) {
    Boolean known = SETTABLE.get(name);
    if (known != null) {
      return known;
    }
    boolean settable;
    try {
      HttpRequest.newBuilder().header(name, "0");
      settable = true;
    } catch (IllegalArgumentException reserved) {
      settable = false;
    }
    if (SETTABLE.size() >= MAX_NAMES) {
      // Names come from routes and applications: a bounded cache, started again when full.
      SETTABLE.clear();
    }
    SETTABLE.put(name, settable);
    return settable;
  }

  /** The client's rule for a header value: Latin-1, no control characters but tab. */
  static boolean validValue(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c > 0xff || c == 0x7f || (c < 0x20 && c != '\t')) {
        return false;
      }
    }
    return true;
  }
}
