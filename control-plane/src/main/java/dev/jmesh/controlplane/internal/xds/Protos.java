package dev.jmesh.controlplane.internal.xds;

import java.time.Duration;

/** Small conversions to protobuf well-known types. */
final class Protos {
  private Protos() {}

  static com.google.protobuf.Duration duration(Duration d) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
