package dev.jmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadMatchTest {

  private static final String RATINGS =
      "sidecar~127.0.0.1~ratings-1.default~default.svc.cluster.local";
  private static final String REVIEWS_1 =
      "sidecar~10.0.0.1~reviews-1.default~default.svc.cluster.local";
  private static final String REVIEWS_2 =
      "sidecar~10.0.0.2~reviews-2.default~default.svc.cluster.local";
  private static final List<String> CONNECTED = List.of(RATINGS, REVIEWS_1, REVIEWS_2);

  @Test
  void aNodeIdANameOrAnUnambiguousPrefixFindsTheWorkload() {
    assertThat(WorkloadMatch.resolve(REVIEWS_2, CONNECTED)).isEqualTo(REVIEWS_2);
    assertThat(WorkloadMatch.resolve("reviews-1.default", CONNECTED)).isEqualTo(REVIEWS_1);
    assertThat(WorkloadMatch.resolve("reviews-2", CONNECTED)).isEqualTo(REVIEWS_2);
    assertThat(WorkloadMatch.resolve("ratings", CONNECTED)).isEqualTo(RATINGS);
  }

  @Test
  void anAmbiguousNameListsTheCandidatesAsABadCommandLine() {
    assertThatThrownBy(() -> WorkloadMatch.resolve("reviews", CONNECTED))
        .isInstanceOfSatisfying(
            CommandFailure.class, e -> assertThat(e.exitCode()).isEqualTo(CommandFailure.USAGE))
        .hasMessageContaining("matches 2 workloads")
        .hasMessageContaining("reviews-1.default")
        .hasMessageContaining("reviews-2.default");
  }

  @Test
  void anUnknownNameSaysWhichAreConnected() {
    assertThatThrownBy(() -> WorkloadMatch.resolve("details", CONNECTED))
        .isInstanceOfSatisfying(
            CommandFailure.class, e -> assertThat(e.exitCode()).isEqualTo(CommandFailure.WRONG))
        .hasMessageContaining("no connected workload matches 'details'")
        .hasMessageContaining("ratings-1.default, reviews-1.default, reviews-2.default");
    assertThatThrownBy(() -> WorkloadMatch.resolve("details", List.of()))
        .hasMessageContaining("no proxy or agent is connected");
  }
}
