package dev.jmesh.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  @Test
  void headerAndSampleWithoutLabels() {
    StringBuilder out = new StringBuilder();
    new PrometheusText(out).header("up", "gauge", "Whether it is up.").sample("up", 1);
    assertThat(out).hasToString("# HELP up Whether it is up.\n# TYPE up gauge\nup 1\n");
  }

  @Test
  void labelsInOrder() {
    StringBuilder out = new StringBuilder();
    new PrometheusText(out).sample("m", 42, "a", "x", "b", "y");
    assertThat(out).hasToString("m{a=\"x\",b=\"y\"} 42\n");
  }

  @Test
  void escapesBackslashQuoteAndNewlineInLabelValues() {
    StringBuilder out = new StringBuilder();
    new PrometheusText(out).sample("m", 1, "v", "a\\b\"c\nd");
    assertThat(out).hasToString("m{v=\"a\\\\b\\\"c\\nd\"} 1\n");
  }

  @Test
  void otherCharactersAreKept() {
    StringBuilder out = new StringBuilder();
    new PrometheusText(out).sample("m", 1, "v", "[::1]:80 é\t");
    assertThat(out).hasToString("m{v=\"[::1]:80 é\t\"} 1\n");
  }
}
