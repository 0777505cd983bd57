package dev.jmesh.dataplane.capture;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** JMX ports are the operator's: never taken over by the engine unless declared otherwise. */
class ManagementPortsTest {

  @AfterEach
  void clear() {
    System.clearProperty("com.sun.management.jmxremote.port");
    System.clearProperty("com.sun.management.jmxremote.rmi.port");
  }

  @Test
  void theConfiguredJmxPortsAreManagementPortsAndOthersAreNot() {
    System.setProperty("com.sun.management.jmxremote.port", "9010");
    System.setProperty("com.sun.management.jmxremote.rmi.port", "9011");
    assertThat(ManagementPorts.isManagementBind(9010)).isTrue();
    assertThat(ManagementPorts.isManagementBind(9011)).isTrue();
    // An application's own bind, from no RMI or management code, is the service's.
    assertThat(ManagementPorts.isManagementBind(8080)).isFalse();
  }
}
