package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A server with a WebSocket echo at {@code /ws}: the upgrade crosses both engines. */
interface ServesWebSocket {

  ClientDriver clientDriver();

  String service();

  int servicePort();

  @Test
  default void aWebSocketEchoesThroughTheMesh() {
    ClientDriver.Result result =
        clientDriver().run("ws ws://" + service() + ":" + servicePort() + "/ws hello-ws");
    assertThat(result.field("reply")).as(result.toString()).isEqualTo("echo:hello-ws");
  }
}
