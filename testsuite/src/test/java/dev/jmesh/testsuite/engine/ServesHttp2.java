package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A server speaking HTTP/2 in the clear: curl's prior-knowledge h2c crosses the engine as h2. */
interface ServesHttp2 {

  int servicePort();

  @Test
  default void curlSpeaksHttp2ThroughTheEngine() throws Exception {
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sS",
                "--http2-prior-knowledge",
                "-m",
                "20",
                "http://127.0.0.1:" + servicePort() + "/hello")
            .redirectErrorStream(true)
            .start();
    String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(curl.exitValue()).as(out).isZero();
    assertThat(out).contains("protocol=HTTP/2");
  }
}
