package dev.jmesh.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IstioBucketsTest {

  @Test
  void boundsAreEnvoysDefaults() {
    assertThat(IstioBuckets.BOUNDS)
        .containsExactly(
            0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000,
            600000, 1800000, 3600000);
    assertThat(IstioBuckets.LE)
        .containsExactly(
            "0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000",
            "30000", "60000", "300000", "600000", "1800000", "3600000", "+Inf");
  }

  @Test
  void aValueOnABoundIsInThatBucketAndOnePastItInTheNext() {
    assertThat(IstioBuckets.indexOf(0)).isEqualTo(0);
    for (int i = 1; i < IstioBuckets.BOUNDS.length; i++) {
      long bound = (long) IstioBuckets.BOUNDS[i];
      assertThat(IstioBuckets.indexOf(bound)).as("value %d", bound).isEqualTo(i);
      assertThat(IstioBuckets.indexOf(bound + 1)).as("value %d", bound + 1).isEqualTo(i + 1);
    }
    assertThat(IstioBuckets.indexOf(Long.MAX_VALUE)).isEqualTo(IstioBuckets.COUNT - 1);
  }

  @Test
  void stripesAreAPowerOfTwoUpToFour() {
    assertThat(Stripes.count(1)).isEqualTo(1);
    assertThat(Stripes.count(2)).isEqualTo(2);
    assertThat(Stripes.count(3)).isEqualTo(4);
    assertThat(Stripes.count(64)).isEqualTo(4);
    assertThat(Integer.bitCount(Stripes.COUNT)).isEqualTo(1);
  }
}
