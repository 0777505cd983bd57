package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A server speaking HTTP/2 in the clear: curl's prior-knowledge h2c gets HTTP/2 back, and the
 * application sees the protocol {@link #applicationProtocol()} says.
 */
interface ServesHttp2 {

  int servicePort();

  /**
   * What the application sees of an h2c call: HTTP/2 where it serves the port itself (direct
   * inbound), HTTP/1.1 behind the engine on an {@code http} port, which speaks HTTP/1.1 to the
   * application whatever the caller spoke (Istio's inbound cluster of an {@code http} port).
   */
  default String applicationProtocol() {
    return "HTTP/2";
  }

  @Test
  default void curlSpeaksHttp2ToTheMeshedServer() throws Exception {
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sS",
                "--http2-prior-knowledge",
                "-m",
                "20",
                "-w",
                "\nversion=%{http_version}\n",
                "http://127.0.0.1:" + servicePort() + "/hello")
            .redirectErrorStream(true)
            .start();
    String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(curl.exitValue()).as(out).isZero();
    assertThat(out).contains("version=2").contains("protocol=" + applicationProtocol());
  }
}
