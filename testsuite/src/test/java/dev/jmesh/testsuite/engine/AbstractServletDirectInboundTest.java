package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * A servlet container on the direct inbound path: the engine keeps the port and settles mTLS (a
 * servlet filter cannot), then relays the claimed port's connections byte for byte, and the mesh's
 * entry in the container runs the HTTP policy, sets the headers and records each request. Envoy's
 * hardening (smuggling, header timeouts, body limits) is the container's own here, as on every
 * direct inbound path.
 */
abstract class AbstractServletDirectInboundTest extends AbstractMeshedHttpPolicyTest
    implements ServesWebSocket {

  @Override
  String directInbound() {
    return "servlet";
  }

  /**
   * Unlike the other direct-inbound servers, a servlet container stays behind the engine (which
   * terminates TLS), so its port is taken over and its hidden port admits only the engine; what
   * moves into the container is the per-request policy, counted as the servlet's direct requests.
   */
  @Override
  @Test
  void theServerReportsThePortItAskedForAndItsHiddenPortAdmitsOnlyTheEngine() throws Exception {
    Matcher ready =
        server.awaitOutput("READY kind=" + kind() + " port=(\\d+)", Duration.ofSeconds(5));
    assertThat(Integer.parseInt(ready.group(1))).isEqualTo(port);
    int hidden = hiddenPort();
    assertThat(hidden).isNotEqualTo(port);
    assertThat(plaintextAnswered(hidden))
        .as("a local process dialling the hidden port is refused")
        .isFalse();
    assertThat(server.output()).contains("a servlet container serves it");

    double before = directServed();
    assertThat(answered(call(service(), port))).isTrue();
    await().until(() -> directServed() > before);
  }

  @Test
  void everyMeshedCallIsCheckedByTheContainerOnceThePortIsClaimed() {
    double before = requestsCheckedInTheContainer();
    for (int i = 0; i < 3; i++) {
      assertThat(answered(call(service(), port))).isTrue();
    }
    await().until(() -> requestsCheckedInTheContainer() >= before + 3);
  }

  private double requestsCheckedInTheContainer() {
    return server
        .metrics()
        .samples("jmesh_agent_requests_total", "library", "servlet", "path", "direct")
        .stream()
        .mapToDouble(dev.jmesh.testing.PrometheusText.Sample::value)
        .sum();
  }
}
