package dev.jmesh.dataplane.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.fuzz.MutationFuzz;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the inbound sniffers, {@link FirstBytes} and {@link ClientHello}, with the first bytes of
 * connections ({@code src/test/resources/fuzz/inbound-bytes/}). The engine decides on the bytes of
 * the first reads, so beyond never throwing, a verdict must be final: once the bytes so far decide
 * it, more bytes never change it; and where the bytes sit in a buffer does not matter. A longer
 * run: {@code mvn -o test -pl dataplane -Dtest=FirstBytesFuzzTest -Dfuzz.seconds=600}.
 */
class FirstBytesFuzzTest {

  private static final String[] DICTIONARY = {
    "GET ",
    "POST ",
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "CONNECT ",
    " HTTP/1.1\r\n",
    "\r\n\r\n",
    "\u0016\u0003\u0001",
    "\u0016\u0003\u0003",
    "\u0000\u0000",
    "\u0000\u0010",
    "\u00ff\u00ff",
    "h2",
    "http/1.1",
    "istio-peer-exchange"
  };

  @Test
  void sniffingNeverThrowsAndAVerdictIsFinal() {
    MutationFuzz.Result result =
        MutationFuzz.corpus("inbound-bytes")
            .dictionary(DICTIONARY)
            .maxLength(ClientHello.MAX_RECORD + 64)
            .run(FirstBytesFuzzTest::sniff);
    assertThat(result.mutations()).isPositive();
  }

  private static void sniff(byte[] input) {
    FirstBytes.Protocol decided = null;
    for (int n = 0; n <= Math.min(input.length, 32); n++) {
      FirstBytes.Protocol p = FirstBytes.classify(input, 0, n);
      assertThat(p).isEqualTo(FirstBytes.classify(shifted(input, 7), 7, n));
      if (decided != null) {
        assertThat(p).as("verdict after %d bytes", n).isEqualTo(decided);
      } else if (p != FirstBytes.Protocol.NEED_MORE) {
        decided = p;
      }
    }
    ClientHello.Result hello = null;
    // Every length up to the first decision, then a few beyond it and the whole input.
    for (int n = 0; n <= input.length; n = next(n, input.length, hello)) {
      ClientHello.Result r = ClientHello.parse(input, 0, n);
      assertThat(r).isEqualTo(ClientHello.parse(shifted(input, 3), 3, n));
      if (hello != null) {
        assertThat(r).as("ClientHello after %d bytes", n).isEqualTo(hello);
      } else if (r.status() != ClientHello.Status.NEED_MORE) {
        hello = r;
      }
    }
  }

  /** Steps through lengths one by one until a verdict, then in big steps to the end. */
  private static int next(int n, int length, ClientHello.Result decided) {
    if (decided == null || n == length) {
      return n + 1;
    }
    return Math.min(length, n + 1 + (length - n) / 2);
  }

  private static byte[] shifted(byte[] input, int by) {
    byte[] out = new byte[input.length + by + 5];
    Arrays.fill(out, (byte) 0x16);
    System.arraycopy(input, 0, out, by, input.length);
    return out;
  }
}
