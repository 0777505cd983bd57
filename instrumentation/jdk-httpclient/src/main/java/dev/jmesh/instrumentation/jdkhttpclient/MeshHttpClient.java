package dev.jmesh.instrumentation.jdkhttpclient;

import dev.jmesh.bootstrap.JdkHttpClientBridge;
import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshHooks;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandler;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The JDK HttpClient's direct path, behind {@link dev.jmesh.bootstrap.JdkHttpClientHooks}: decides
 * each application request, answers a mesh one with a {@link MeshExchange}, and re-targets the
 * client's own requests for the exchange's attempts to their endpoints.
 *
 * <p>Only {@code http://} is meshed here: an {@code https://} request to a mesh name carries the
 * application's own TLS (and its host name check), which the mesh does not open; the socket capture
 * sends it through the engine. A client with a proxy is left alone too: the proxy owns the route. A
 * mesh request's server pushes are declined (its push handler is not passed on): a pushed stream
 * would bypass the route.
 */
final class MeshHttpClient implements JdkHttpClientBridge {

  static final String LIBRARY = "jdk-httpclient";

  private static final int CAPABILITIES =
      MeshCall.CAN_TLS | MeshCall.CAN_RETRY | MeshCall.CAN_REPLY | MeshCall.CAN_DELAY;

  /** Where completions go when the application's call gave no executor (a synchronous send). */
  private static final Executor DEFAULT_EXECUTOR = new CompletableFuture<Void>().defaultExecutor();

  private final AttemptBindings bindings = new AttemptBindings();

  /**
   * The JDK's own request type: what the client builds for itself (a WebSocket's opening
   * handshake); the application's requests come from {@code HttpRequest.newBuilder()}.
   */
  private static final String JDK_INTERNAL_REQUEST = "jdk.internal.net.http.HttpRequestImpl";

  @Override
  @SuppressWarnings("unchecked")
  public Object sendAsync(
      Object client, Object request, Object handler, Object pushHandler, Object executor) {
    if (request instanceof AttemptRequest // the mesh's own attempt: the client sends it
        || !(client instanceof HttpClient)
        || !(request instanceof HttpRequest)
        || !(handler instanceof BodyHandler)) {
      return null;
    }
    HttpRequest appRequest = (HttpRequest) request;
    if (appRequest.getClass().getName().equals(JDK_INTERNAL_REQUEST)) {
      // The client's own request, not the application's: a WebSocket opening handshake, whose
      // response the JDK needs as its own type. The socket capture takes it to the engine.
      return null;
    }
    URI uri = appRequest.uri();
    HttpClient http = (HttpClient) client;
    if (uri == null
        || !"http".equalsIgnoreCase(uri.getScheme())
        || uri.getHost() == null
        || http.proxy().isPresent()
        || isHttp3(http.version())
        || (appRequest.version().isPresent() && isHttp3(appRequest.version().get()))) {
      return null;
    }
    int capabilities =
        CAPABILITIES | (ReplayableBodies.replayable(appRequest) ? 0 : MeshCall.ONE_SHOT_BODY);
    MeshCall call = MeshHooks.outbound(LIBRARY, capabilities, new RequestView(appRequest));
    if (call == null) {
      return null;
    }
    Executor completions = executor instanceof Executor ? (Executor) executor : DEFAULT_EXECUTOR;
    return new MeshExchange<>(
            this,
            http,
            appRequest,
            (BodyHandler<Object>) handler,
            call,
            completions,
            executor instanceof Executor ? (Executor) executor : null)
        .start();
  }

  @Override
  public Object executorFor(Object request, Object given) {
    // Only the mesh's own attempt: its sendAsync would otherwise complete on the client's
    // executor, a thread hop a plain send does not make.
    return request instanceof AttemptRequest copy ? copy.attempt.completions : given;
  }

  void ended(Attempt attempt) {
    attempt.unbindFrom(bindings);
  }

  @Override
  public void requestCreated(Object requestImpl, Object request) {
    if (request instanceof AttemptRequest copy) {
      bindings.bind(requestImpl, copy.attempt);
    }
  }

  @Override
  public void requestDerived(Object requestImpl, Object from) {
    Attempt attempt = bindings.attemptOf(from);
    if (attempt != null && sameAuthority(requestImpl, from)) {
      bindings.bind(requestImpl, attempt);
    }
  }

  @Override
  public InetSocketAddress address(Object requestImpl) {
    Attempt attempt = bindings.attemptOf(requestImpl);
    return attempt == null ? null : attempt.endpoint;
  }

  @Override
  public boolean secure(Object requestImpl, boolean secure) {
    if (secure) {
      return secure;
    }
    Attempt attempt = bindings.attemptOf(requestImpl);
    return attempt != null && attempt.tls != null;
  }

  /** Requests bound to attempts now; for tests, which check that none is left behind. */
  int boundRequests() {
    return bindings.size();
  }

  /** HTTP/3 (JDK 26+, over QUIC) is not this path's: the engine's, through the socket capture. */
  private static boolean isHttp3(HttpClient.Version version) {
    return version.name().equals("HTTP_3");
  }

  /** A redirect elsewhere leaves the mesh's attempt: it goes where its URI says. */
  private static boolean sameAuthority(Object derived, Object from) {
    if (!(derived instanceof HttpRequest) || !(from instanceof HttpRequest)) {
      return false;
    }
    URI a = ((HttpRequest) derived).uri();
    URI b = ((HttpRequest) from).uri();
    return a != null
        && b != null
        && a.getScheme().equalsIgnoreCase(b.getScheme())
        && Objects.equals(a.getRawAuthority(), b.getRawAuthority());
  }
}
