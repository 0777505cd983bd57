package dev.jmesh.bootstrap;

/**
 * What the mesh decided for one inbound request on a direct-inbound connection: let it through to
 * the application (with header changes) or answer locally (RBAC 403, JWT 401, rate limit 429). The
 * instrumentation then reports the outcome with {@link #finish} exactly once, which records the
 * request as Istio's destination reporter does.
 */
public abstract class MeshInboundRequest {

  /** Whether the request goes on to the application. */
  public abstract boolean allowed();

  /** The local reply's status when not {@link #allowed()}. */
  public abstract int replyStatus();

  /** The local reply's body (text/plain) when not {@link #allowed()}. */
  public abstract String replyBody();

  /**
   * Changes the request's headers before the application sees them: the peer's certificate in
   * {@code x-forwarded-client-cert} (a client-sent one removed), a verified JWT's payload, the
   * mesh's own {@code x-envoy-peer-metadata} removed.
   */
  public abstract void requestHeaders(MeshHeaders headers);

  /**
   * Adds the mesh's response headers (this workload's peer metadata for the caller's records,
   * {@code x-ratelimit-*}) to the response, local or not. Call before the response's headers are
   * sent.
   */
  public abstract void responseHeaders(MeshHeaders headers);

  /**
   * The response is over: the status the client saw ({@code grpcStatus} or -1), the request and
   * response body bytes (0 when not counted). Once; later calls are ignored.
   */
  public abstract void finish(int status, int grpcStatus, long bytesReceived, long bytesSent);
}
