package dev.jmesh.otel;

import dev.jmesh.bootstrap.MeshRequestFacts;
import dev.jmesh.bootstrap.MeshSpanFacts;

/** The calls into mesh.jar's bootstrap classes; loaded only once {@link MeshLink} found them. */
final class MeshFacts {

  private MeshFacts() {}

  static void attach() {
    MeshSpanFacts.attach(CurrentClientSpan::key);
  }

  static MeshRequestFacts take(String key, String reporter) {
    return MeshSpanFacts.take(key, reporter);
  }
}
