package dev.jmesh.dataplane.config;

/**
 * A compiled Listener of one of the three shapes the control plane sends: an outbound {@code
 * api_listener} for HTTP ({@link OutboundListener}), an outbound TCP proxy ({@link
 * TcpProxyListener}, including Istio's {@code virtualOutbound}) and an inbound listener per
 * workload port ({@link InboundListener}).
 */
public sealed interface ListenerConfig permits OutboundListener, TcpProxyListener, InboundListener {

  /** The listener's name: {@code host:port} outbound, Istio's inbound name inbound. */
  String name();
}
