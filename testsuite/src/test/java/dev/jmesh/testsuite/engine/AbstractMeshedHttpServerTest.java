package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.MeshedJvm;
import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The engine in front of an HTTP server: on top of the HTTP policy every meshed HTTP server gets,
 * Envoy's hardening, big bodies streamed through small heaps, and drain on shutdown (last: it
 * stops the server).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class AbstractMeshedHttpServerTest extends AbstractMeshedHttpPolicyTest {

  static final long BIG = 100L * 1024 * 1024;

  @Override
  MeshedJvm.Builder serverOptions(MeshedJvm.Builder server) {
    // Bodies stream: 100 MB crosses a 64 MB heap.
    return server
        .jvmFlags("-Xmx64m", "-XX:MaxDirectMemorySize=64m")
        .env("MESH_MAX_REQUEST_BODY_BYTES", Long.toString(2 * BIG))
        .env("MESH_DRAIN_TIMEOUT", "10s");
  }

  // ---- hardening ----

  @Test
  void requestSmugglingIsRefused() throws Exception {
    String both =
        "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "0\r\n\r\n";
    assertThat(RawHttp.status(RawHttp.exchange(port, both))).isEqualTo(400);
    String twoLengths =
        "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde";
    assertThat(RawHttp.status(RawHttp.exchange(port, twoLengths))).isEqualTo(400);
    String folded = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n  b\r\n\r\n";
    assertThat(RawHttp.status(RawHttp.exchange(port, folded))).isEqualTo(400);
  }

  @Test
  void aSlowClientIsCutOff() throws Exception {
    long started = System.nanoTime();
    String answer = RawHttp.exchange(port, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
    // requestHeadersTimeout is 2 s here; the read would otherwise wait its own 5 s.
    assertThat(seconds).isLessThan(5);
    assertThat(answer).doesNotContain(kindMarker());
  }

  @Test
  void anOversizedBodyIsRefusedWith413() throws Exception {
    String huge =
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + (4 * BIG) + "\r\n\r\nabc";
    assertThat(RawHttp.status(RawHttp.exchange(port, huge))).isEqualTo(413);
  }

  // ---- big bodies ----

  @Test
  void hundredMegabytesUpAndDownThroughA64MegabyteHeap() {
    ClientDriver.Result up =
        client.run(
            "upload http://" + service() + ":" + port + "/upload " + BIG, Duration.ofMinutes(3));
    assertThat(up.status()).as(up.toString()).isEqualTo(200);
    assertThat(up.body()).contains("received=" + BIG);
    ClientDriver.Result down =
        client.run(
            "download http://" + service() + ":" + port + "/download?bytes=" + BIG + " " + BIG,
            Duration.ofMinutes(3));
    assertThat(down.field("bytes")).as(down.toString()).isEqualTo(Long.toString(BIG));
    // The engine never held the body: its direct memory stays small.
    assertThat(server.metric("jmesh_engine_direct_memory_bytes")).isLessThan(32 * 1024 * 1024);
  }

  // ---- drain: last, it stops the server ----

  @Test
  @Order(Integer.MAX_VALUE)
  void shutdownDrainsInFlightRequests() {
    // A request in flight when the server is told to stop…
    String id = "slow";
    client.jvm().send(id + " http GET http://" + service() + ":" + port + "/slow?ms=2000");
    sleepQuietly(700);
    server.terminate();
    // …still gets its answer.
    java.util.regex.Matcher m =
        client.jvm().awaitOutput("RESULT " + id + " (ok|error) ?(.*)", Duration.ofSeconds(30));
    assertThat(m.group(1)).isEqualTo("ok");
    assertThat(m.group(2)).contains("status=200").contains("slow=2000");
  }

  static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
