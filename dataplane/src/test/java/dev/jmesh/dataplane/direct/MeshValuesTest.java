package dev.jmesh.dataplane.direct;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which of the mesh's own header values may skip the library's check. */
class MeshValuesTest {

  @Test
  void anIstioNodeIdIsAHeaderValueAsItStands() {
    assertThat(
            DirectCalls.printableAscii(
                "sidecar~10.0.0.7~productpage-v1.default~default.svc.cluster.local"))
        .isTrue();
    assertThat(DirectCalls.printableAscii("with\ttab and space")).isTrue();
  }

  @Test
  void aWorkloadNameOutsideAsciiOrWithAControlCharacterIsNot() {
    assertThat(DirectCalls.printableAscii("sidecar~10.0.0.7~produktseite-ü.default~default"))
        .isFalse();
    assertThat(DirectCalls.printableAscii("line\nbreak")).isFalse();
    assertThat(DirectCalls.printableAscii("del\u007f")).isFalse();
  }
}
