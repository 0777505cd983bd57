package dev.jmesh.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MeshSpanFactsTest {

  private static final String TRACEPARENT =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void theKeyIsTheTraceAndParentIdsOfATraceparent() {
    assertThat(MeshSpanFacts.keyOf(TRACEPARENT))
        .isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7");
    assertThat(MeshSpanFacts.keyOf(null)).isNull();
    assertThat(MeshSpanFacts.keyOf("00-4bf92f35-00f067aa0ba902b7-01")).isNull();
    assertThat(MeshSpanFacts.keyOf(TRACEPARENT.toUpperCase()))
        .as("W3C ids are lower case")
        .isNull();
    assertThat(MeshSpanFacts.keyOf(TRACEPARENT.replace('-', '_'))).isNull();
  }

  @Test
  void factsAreTakenOnceBySpanAndReporter() {
    String key = "take-" + System.nanoTime();
    MeshRequestFacts source = facts("source");
    MeshRequestFacts destination = facts("destination");
    MeshSpanFacts.publish(key, source);
    MeshSpanFacts.publish(key, destination);
    assertThat(MeshSpanFacts.take(key, "source")).isSameAs(source);
    assertThat(MeshSpanFacts.take(key, "source")).isNull();
    assertThat(MeshSpanFacts.take(key, "destination")).isSameAs(destination);
  }

  @Test
  void theOldestFactsArePushedOutPastTheCapacity() {
    String prefix = "cap-" + System.nanoTime() + "-";
    for (int i = 0; i <= MeshSpanFacts.CAPACITY; i++) {
      MeshSpanFacts.publish(prefix + i, facts("source"));
    }
    assertThat(MeshSpanFacts.take(prefix + 0, "source")).isNull();
    assertThat(MeshSpanFacts.take(prefix + MeshSpanFacts.CAPACITY, "source")).isNotNull();
  }

  @Test
  void theCurrentClientSpanComesFromTheAttachedTracerAndNeverThrows() {
    try {
      MeshSpanFacts.attach(() -> "t-s");
      assertThat(MeshSpanFacts.attached()).isTrue();
      assertThat(MeshSpanFacts.currentClientSpan()).isEqualTo("t-s");
      MeshSpanFacts.attach(
          () -> {
            throw new IllegalStateException("broken tracer");
          });
      assertThat(MeshSpanFacts.currentClientSpan()).isNull();
    } finally {
      MeshSpanFacts.attach(null);
    }
    assertThat(MeshSpanFacts.attached()).isFalse();
  }

  private static MeshRequestFacts facts(String reporter) {
    return new MeshRequestFacts(
        reporter,
        "client",
        "default",
        "spiffe://cluster.local/ns/default/sa/client",
        "reviews",
        "default",
        "spiffe://cluster.local/ns/default/sa/reviews",
        "reviews.default.svc.cluster.local",
        "r1",
        "outbound|9080||reviews.default.svc.cluster.local",
        "10.0.0.7:9080",
        "-",
        "id-1");
  }
}
