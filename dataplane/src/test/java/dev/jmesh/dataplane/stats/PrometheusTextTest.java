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

  @Test
  void labelsAreRenderedOnceWithValuesEscaped() {
    assertThat(PrometheusText.labels("a", "x", "b", "q\"\\\n"))
        .isEqualTo("a=\"x\",b=\"q\\\"\\\\\\n\"");
    assertThat(PrometheusText.labels()).isEmpty();
  }

  @Test
  void sampleWithRenderedLabels() {
    StringBuilder out = new StringBuilder();
    new PrometheusText(out).sample("m", PrometheusText.labels("a", "x"), 3);
    assertThat(out).hasToString("m{a=\"x\"} 3\n");
  }

  @Test
  void sampleWithRenderedLabelsAndALastOne() {
    StringBuilder out = new StringBuilder();
    new PrometheusText(out)
        .sample("h_bucket", PrometheusText.labels("a", "x"), "le", "+Inf", 4)
        .sample("h_bucket", "", "le", "0.5", 1);
    assertThat(out).hasToString("h_bucket{a=\"x\",le=\"+Inf\"} 4\nh_bucket{le=\"0.5\"} 1\n");
  }
}
