package dev.jmesh.controlplane.internal.ads;

import io.envoyproxy.envoy.config.core.v3.Node;

/** Told when a proxy on an ADS stream announces (or changes) its node, and when it leaves. */
public interface ProxyLifecycle {
  ProxyLifecycle NONE = new ProxyLifecycle() {
    @Override
    public void nodeChanged(long stream, Node node) {}

    @Override
    public void disconnected(long stream) {}
  };

  void nodeChanged(long stream, Node node);

  void disconnected(long stream);
}
