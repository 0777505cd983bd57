package dev.jmesh.dataplane.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.config.DownstreamTls;
import dev.jmesh.dataplane.config.InboundListener;
import dev.jmesh.dataplane.config.InboundListener.Chain;
import dev.jmesh.dataplane.config.InboundListener.TransportProtocol;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.HttpPolicy;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import dev.jmesh.dataplane.route.RouteTable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which ports a server bound before the engine may serve itself. */
class EarlyServersTest {

  private static final DownstreamTls MTLS =
      new DownstreamTls("default", "default", "default", "ROOTCA", true);
  private static final RouteTable ROUTES = new RouteTable("inbound|http", List.of());
  private static final HttpPolicy DENY_SOME = request -> PolicyVerdict.CONTINUE;

  @Test
  void strictPortsFailClosed() {
    InboundListener strict =
        listener(false, chain(TransportProtocol.TLS, MTLS, HttpPolicy.ALLOW_ALL));
    assertThat(EarlyServers.servesUnmeshed(strict)).isFalse();
  }

  @Test
  void permissiveAndDisabledPortsWithoutPolicyAreServed() {
    InboundListener permissive =
        listener(
            true,
            chain(TransportProtocol.TLS, MTLS, HttpPolicy.ALLOW_ALL),
            chain(TransportProtocol.RAW_BUFFER, null, HttpPolicy.ALLOW_ALL));
    InboundListener disabled = listener(false, chain(TransportProtocol.ANY, null, null));
    assertThat(EarlyServers.servesUnmeshed(permissive)).isTrue();
    assertThat(EarlyServers.servesUnmeshed(disabled)).isTrue();
    assertThat(EarlyServers.servesUnmeshed(null)).as("a port without a listener").isTrue();
  }

  @Test
  void anyPolicyOnThePortFailsClosed() {
    // An AuthorizationPolicy (DENY or ALLOW), JWT or rate limit runs only inside the engine.
    InboundListener http =
        listener(
            true,
            chain(TransportProtocol.TLS, MTLS, DENY_SOME),
            chain(TransportProtocol.RAW_BUFFER, null, DENY_SOME));
    InboundListener tcp =
        listener(
            false,
            new Chain(
                "inbound-plaintext",
                TransportProtocol.ANY,
                null,
                null,
                "inbound|tcp||",
                null,
                connection -> false));
    InboundListener tcpOpen =
        listener(
            false,
            new Chain(
                "inbound-plaintext",
                TransportProtocol.ANY,
                null,
                null,
                "inbound|tcp||",
                null,
                ConnectionPolicy.ALLOW_ALL));
    assertThat(EarlyServers.servesUnmeshed(http)).isFalse();
    assertThat(EarlyServers.servesUnmeshed(tcp)).isFalse();
    assertThat(EarlyServers.servesUnmeshed(tcpOpen)).isTrue();
  }

  private static Chain chain(TransportProtocol transport, DownstreamTls tls, HttpPolicy policy) {
    return new Chain("inbound-" + transport, transport, tls, ROUTES, null, policy, null);
  }

  private static InboundListener listener(boolean tlsInspector, Chain... chains) {
    return new InboundListener("inbound", "0.0.0.0", 9080, tlsInspector, List.of(chains));
  }
}
