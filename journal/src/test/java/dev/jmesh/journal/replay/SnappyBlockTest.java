package dev.jmesh.journal.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SnappyBlockTest {

  @Test
  void repetitiveInputShrinksAndDecodesBackExactly() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      s.append("istio_requests_total{reporter=\"destination\",response_code=\"200\"} ").append(i);
    }
    byte[] input = s.toString().getBytes(StandardCharsets.UTF_8);
    byte[] compressed = SnappyBlock.compress(input);
    assertThat(compressed.length).isLessThan(input.length / 5);
    assertThat(decode(compressed)).isEqualTo(input);
  }

  @Test
  void randomAndEdgeInputsDecodeBackExactly() {
    Random random = new Random(7);
    for (int size : new int[] {0, 1, 3, 4, 59, 60, 61, 255, 256, 257, 65_536, 70_000, 200_000}) {
      byte[] input = new byte[size];
      for (int i = 0; i < size; i++) {
        // Half random, half runs: both literals and copies, long ones too.
        input[i] = (byte) (i % 1000 < 500 ? random.nextInt(256) : i % 7);
      }
      assertThat(decode(SnappyBlock.compress(input))).as("size " + size).isEqualTo(input);
    }
  }

  /** A reference decoder written from the format description, independent of the encoder. */
  static byte[] decode(byte[] in) {
    int pos = 0;
    long length = 0;
    int shift = 0;
    while (true) {
      int b = in[pos++] & 0xFF;
      length |= (long) (b & 0x7F) << shift;
      if (b < 0x80) {
        break;
      }
      shift += 7;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[(int) length];
    int written = 0;
    while (pos < in.length) {
      int tag = in[pos++] & 0xFF;
      switch (tag & 3) {
        case 0 -> {
          int n = tag >>> 2;
          if (n >= 60) {
            int extra = n - 59;
            n = 0;
            for (int i = 0; i < extra; i++) {
              n |= (in[pos++] & 0xFF) << (8 * i);
            }
          }
          n += 1;
          System.arraycopy(in, pos, buf, written, n);
          pos += n;
          written += n;
        }
        case 1 -> {
          int n = ((tag >>> 2) & 7) + 4;
          int offset = ((tag >>> 5) << 8) | (in[pos++] & 0xFF);
          for (int i = 0; i < n; i++, written++) {
            buf[written] = buf[written - offset];
          }
        }
        case 2 -> {
          int n = (tag >>> 2) + 1;
          int offset = (in[pos++] & 0xFF) | (in[pos++] & 0xFF) << 8;
          for (int i = 0; i < n; i++, written++) {
            buf[written] = buf[written - offset];
          }
        }
        default -> throw new AssertionError("4-byte offsets are never written");
      }
    }
    assertThat(written).isEqualTo(length);
    out.write(buf, 0, written);
    return out.toByteArray();
  }
}
