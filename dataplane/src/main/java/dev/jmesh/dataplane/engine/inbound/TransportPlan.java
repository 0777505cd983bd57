package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.config.InboundListener;
import java.util.function.Supplier;

/**
 * How a new connection's transport is settled, from the port's listener as the connection found it:
 * sniff the first bytes (PERMISSIVE, or no listener while the workload has an identity), expect TLS
 * (STRICT) or take plaintext at once (DISABLE, or no identity).
 *
 * @param sniff whether the first bytes pick the chain
 * @param tlsChain the chain for a TLS client, {@code null} when TLS is not served
 * @param plaintextChain the chain for a plaintext client, {@code null} when plaintext is refused
 */
record TransportPlan(boolean sniff, InboundChain tlsChain, InboundChain plaintextChain) {

  static TransportPlan of(InboundListener listener, boolean hasIdentity) {
    return of(listener, hasIdentity, null);
  }

  /** {@code live} gives the port's listener as it is now, for the policy of later requests. */
  static TransportPlan of(
      InboundListener listener, boolean hasIdentity, Supplier<InboundListener> live) {
    if (listener == null || listener.chains().isEmpty()) {
      return hasIdentity
          ? new TransportPlan(
              true, InboundChain.UNCONFIGURED_TLS, InboundChain.UNCONFIGURED_PLAINTEXT)
          : new TransportPlan(false, null, InboundChain.UNCONFIGURED_PLAINTEXT);
    }
    if (listener.tlsInspector()) {
      InboundListener.Chain tls = listener.chain(true);
      InboundListener.Chain plain = listener.chain(false);
      return new TransportPlan(
          true,
          tls == null || tls.tls() == null ? null : InboundChain.of(tls, live),
          plain == null || plain.tls() != null ? null : InboundChain.of(plain, live));
    }
    InboundChain only = InboundChain.of(listener.chains().get(0), live);
    return only.tls() ? new TransportPlan(false, only, null) : new TransportPlan(false, null, only);
  }

  /** The chain a connection takes without sniffing. */
  InboundChain direct() {
    return tlsChain != null ? tlsChain : plaintextChain;
  }
}
