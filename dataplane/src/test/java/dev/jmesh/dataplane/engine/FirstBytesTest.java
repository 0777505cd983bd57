package dev.jmesh.dataplane.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.engine.FirstBytes.Protocol;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FirstBytesTest {

  private static Protocol classify(String s) {
    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
    return FirstBytes.classify(b, 0, b.length);
  }

  @Test
  void tellsTlsH2cHttp1AndRawTcpApart() {
    assertThat(classify("\u0016\u0003\u0001\u0002\u0000")).isEqualTo(Protocol.TLS);
    assertThat(classify("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")).isEqualTo(Protocol.HTTP2);
    assertThat(classify("GET /reviews/1 HTTP/1.1\r\n")).isEqualTo(Protocol.HTTP1);
    assertThat(classify("CONNECT reviews:9080 HTTP/1.1\r\n")).isEqualTo(Protocol.HTTP1);
    // A PostgreSQL startup message and an SSH banner are raw TCP.
    assertThat(classify("\u0000\u0000\u0000\u0008\u0004\u00d2\u0016\u002f"))
        .isEqualTo(Protocol.OTHER);
    assertThat(classify("SSH-2.0-OpenSSH_9.2\r\n")).isEqualTo(Protocol.OTHER);
    assertThat(classify("\u0016\u0001")).isEqualTo(Protocol.OTHER);
  }

  @Test
  void asksForMoreWhileTheBytesSoFarCouldStillBeEither() {
    assertThat(classify("")).isEqualTo(Protocol.NEED_MORE);
    assertThat(classify("\u0016")).isEqualTo(Protocol.NEED_MORE);
    assertThat(classify("P")).isEqualTo(Protocol.NEED_MORE); // POST, PUT, PATCH or PRI
    assertThat(classify("PRI * HTTP/2")).isEqualTo(Protocol.NEED_MORE);
    assertThat(classify("GET")).isEqualTo(Protocol.NEED_MORE);
    assertThat(classify("GETX")).isEqualTo(Protocol.OTHER);
  }

  @Test
  void readsFromAnOffset() {
    byte[] b = "xxGET / HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    assertThat(FirstBytes.classify(b, 2, b.length - 2)).isEqualTo(Protocol.HTTP1);
  }
}
