package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.engine.inbound.InboundFixture.Mode;
import dev.jmesh.dataplane.policy.ConnectionPolicy;
import dev.jmesh.dataplane.policy.HttpPolicy;
import org.junit.jupiter.api.Test;

class TransportPlanTest {

  @Test
  void permissiveSniffsBetweenTheTlsAndThePlaintextChain() {
    TransportPlan plan =
        TransportPlan.of(InboundFixture.http(Mode.PERMISSIVE, HttpPolicy.ALLOW_ALL), true);
    assertThat(plan.sniff()).isTrue();
    assertThat(plan.tlsChain().tls()).isTrue();
    assertThat(plan.tlsChain().http()).isTrue();
    assertThat(plan.plaintextChain().tls()).isFalse();
  }

  @Test
  void strictTakesTlsOnlyWithoutSniffing() {
    TransportPlan plan =
        TransportPlan.of(InboundFixture.tcp(Mode.STRICT, ConnectionPolicy.ALLOW_ALL), true);
    assertThat(plan.sniff()).isFalse();
    assertThat(plan.direct().tls()).isTrue();
    assertThat(plan.direct().http()).isFalse();
    assertThat(plan.plaintextChain()).isNull();
  }

  @Test
  void disableTakesPlaintextWithoutSniffing() {
    TransportPlan plan =
        TransportPlan.of(InboundFixture.http(Mode.DISABLE, HttpPolicy.ALLOW_ALL), true);
    assertThat(plan.sniff()).isFalse();
    assertThat(plan.direct().tls()).isFalse();
    assertThat(plan.tlsChain()).isNull();
  }

  @Test
  void aPortWithoutAListenerIsPermissiveWithAnIdentityAndPlaintextWithout() {
    TransportPlan withIdentity = TransportPlan.of(null, true);
    assertThat(withIdentity.sniff()).isTrue();
    assertThat(withIdentity.tlsChain()).isEqualTo(InboundChain.UNCONFIGURED_TLS);
    assertThat(withIdentity.plaintextChain()).isEqualTo(InboundChain.UNCONFIGURED_PLAINTEXT);

    TransportPlan without = TransportPlan.of(null, false);
    assertThat(without.sniff()).isFalse();
    assertThat(without.direct()).isEqualTo(InboundChain.UNCONFIGURED_PLAINTEXT);
  }
}
