package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.config.InboundListener;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.HttpPolicy;

/**
 * What the engine does with one connection once its transport is known: terminate mutual TLS or
 * not, then speak HTTP (checking each request) or relay bytes (checking the connection once).
 *
 * @param name the filter chain's name, for logs
 * @param tls whether mutual TLS is terminated
 * @param http whether the port serves HTTP (else a TCP relay)
 * @param httpPolicy the HTTP filters, for an HTTP port
 * @param connectionPolicy the network filters, for a TCP port
 */
record InboundChain(
    String name,
    boolean tls,
    boolean http,
    HttpPolicy httpPolicy,
    ConnectionPolicy connectionPolicy) {

  /** A port without a listener: bytes pass unchecked, over mutual TLS when the peer starts it. */
  static final InboundChain UNCONFIGURED_TLS =
      new InboundChain(
          "unconfigured-tls", true, false, HttpPolicy.ALLOW_ALL, ConnectionPolicy.ALLOW_ALL);

  static final InboundChain UNCONFIGURED_PLAINTEXT =
      new InboundChain(
          "unconfigured-plaintext", false, false, HttpPolicy.ALLOW_ALL, ConnectionPolicy.ALLOW_ALL);

  static InboundChain of(InboundListener.Chain chain) {
    return new InboundChain(
        chain.name(),
        chain.tls() != null,
        chain.routes() != null,
        chain.httpPolicy() == null ? HttpPolicy.ALLOW_ALL : chain.httpPolicy(),
        chain.connectionPolicy() == null ? ConnectionPolicy.ALLOW_ALL : chain.connectionPolicy());
  }
}
