package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.config.InboundListener;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.trace.Tracing;
import java.util.function.Supplier;

/**
 * What the engine does with one connection once its transport is known: terminate mutual TLS or
 * not, then speak HTTP (checking each request) or relay bytes (checking the connection once).
 *
 * @param name the filter chain's name, for logs
 * @param tls whether mutual TLS is terminated
 * @param http whether the port serves HTTP (else a TCP relay)
 * @param httpPolicy the HTTP filters, for an HTTP port, as the connection found them
 * @param connectionPolicy the network filters, for a TCP port
 * @param live the port's listener now, {@code null} for a port without one
 */
record InboundChain(
    String name,
    boolean tls,
    boolean http,
    HttpPolicy httpPolicy,
    ConnectionPolicy connectionPolicy,
    Supplier<InboundListener> live) {

  /**
   * The HTTP filters in force now. A connection outlives config (clients and the outbound engine
   * keep connections alive), but a new AuthorizationPolicy must apply to the next request on it, as
   * it does in Envoy, where a changed filter chain drains its connections: each request looks up
   * the same chain (same transport) of the port's current listener. When the listener is gone the
   * filters the connection found stay.
   */
  @Override
  public HttpPolicy httpPolicy() {
    InboundListener.Chain now = current();
    return now == null || now.httpPolicy() == null ? httpPolicy : now.httpPolicy();
  }

  @Override
  public ConnectionPolicy connectionPolicy() {
    InboundListener.Chain now = current();
    return now == null || now.connectionPolicy() == null
        ? connectionPolicy
        : now.connectionPolicy();
  }

  /**
   * The access logs in force now, looked up per request like {@link #httpPolicy()} so that turning
   * logging on or off reaches connections already open; {@code null} for none.
   */
  AccessLog accessLog() {
    InboundListener.Chain now = current();
    return now == null ? null : now.accessLog();
  }

  /**
   * The tracing in force now, looked up per request as {@link #accessLog()}; {@code null}: none.
   */
  Tracing tracing() {
    InboundListener.Chain now = current();
    return now == null ? null : now.tracing();
  }

  private InboundListener.Chain current() {
    if (live == null) {
      return null;
    }
    InboundListener listener = live.get();
    if (listener == null) {
      return null;
    }
    InboundListener.Chain now = listener.chain(tls);
    // A chain of the other kind (HTTP vs TCP) is a different port now: keep what was found.
    return now != null && (now.tls() != null) == tls && (now.routes() != null) == http ? now : null;
  }

  /** A port without a listener: bytes pass unchecked, over mutual TLS when the peer starts it. */
  static final InboundChain UNCONFIGURED_TLS =
      new InboundChain(
          "unconfigured-tls", true, false, HttpPolicy.ALLOW_ALL, ConnectionPolicy.ALLOW_ALL, null);

  static final InboundChain UNCONFIGURED_PLAINTEXT =
      new InboundChain(
          "unconfigured-plaintext",
          false,
          false,
          HttpPolicy.ALLOW_ALL,
          ConnectionPolicy.ALLOW_ALL,
          null);

  static InboundChain of(InboundListener.Chain chain, Supplier<InboundListener> live) {
    return new InboundChain(
        chain.name(),
        chain.tls() != null,
        chain.routes() != null,
        chain.httpPolicy() == null ? HttpPolicy.ALLOW_ALL : chain.httpPolicy(),
        chain.connectionPolicy() == null ? ConnectionPolicy.ALLOW_ALL : chain.connectionPolicy(),
        live);
  }
}
