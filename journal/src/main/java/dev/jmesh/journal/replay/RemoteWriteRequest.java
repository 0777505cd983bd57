package dev.jmesh.journal.replay;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Prometheus' remote-write {@code WriteRequest} (prompb/remote.proto, types.proto) encoded by hand:
 * the four messages it needs are small, and no protobuf runtime rides along in the CLI.
 *
 * <pre>
 * WriteRequest { repeated TimeSeries timeseries = 1; }
 * TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 * Label        { string name = 1; string value = 2; }
 * Sample       { double value = 1; int64 timestamp = 2; }   // timestamp in ms
 * </pre>
 */
final class RemoteWriteRequest {

  private RemoteWriteRequest() {}

  static byte[] encode(List<PromSeries> series) {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    for (PromSeries s : series) {
      writeMessage(request, 1, timeSeries(s));
    }
    return request.toByteArray();
  }

  private static byte[] timeSeries(PromSeries s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String[] label : s.labels()) {
      ByteArrayOutputStream l = new ByteArrayOutputStream();
      writeString(l, 1, label[0]);
      writeString(l, 2, label[1]);
      writeMessage(out, 1, l.toByteArray());
    }
    for (int i = 0; i < s.timestamps().length; i++) {
      ByteArrayOutputStream sample = new ByteArrayOutputStream(20);
      sample.write(1 << 3 | 1);
      long bits = Double.doubleToRawLongBits(s.values()[i]);
      for (int b = 0; b < 8; b++) {
        sample.write((int) (bits >>> (8 * b)) & 0xFF);
      }
      sample.write(2 << 3);
      writeVarint(sample, s.timestamps()[i]);
      writeMessage(out, 2, sample.toByteArray());
    }
    return out.toByteArray();
  }

  private static void writeString(ByteArrayOutputStream out, int field, String value) {
    writeMessage(out, field, value.getBytes(StandardCharsets.UTF_8));
  }

  private static void writeMessage(ByteArrayOutputStream out, int field, byte[] bytes) {
    out.write(field << 3 | 2);
    writeVarint(out, bytes.length);
    out.write(bytes, 0, bytes.length);
  }

  static void writeVarint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }
}
