package dev.jmesh.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class XxHash64Test {

  /** Reference outputs of XXH64 (the xxHash project's and python-xxhash's published values). */
  @Test
  void matchesTheReferenceVectors() {
    assertThat(XxHash64.hash("", 0)).isEqualTo(0xEF46DB3751D8E999L);
    assertThat(XxHash64.hash("a", 0)).isEqualTo(0xD24EC4F1A98C6E5BL);
    assertThat(XxHash64.hash("abc", 0)).isEqualTo(0x44BC2CF5AD770999L);
    // 39 bytes: the 32-byte stripe loop, then 8-byte and byte tails.
    assertThat(XxHash64.hash("Nobody inspects the spammish repetition", 0))
        .isEqualTo(0xFBCEA83C8A378BF1L);
    assertThat(XxHash64.hash("xxhash", 20141025)).isEqualTo(0xB559B98D844E0635L);
  }

  @Test
  void hashesUtf8BytesAndRanges() {
    // python-xxhash: xxhash.xxh64("café".encode()).intdigest(), "é" being two UTF-8 bytes.
    assertThat(XxHash64.hash("caf\u00e9", 0)).isEqualTo(0x9A40A9B974D85A6AL);
    assertThat(XxHash64.hash("x=abc;y", 2, 5, 0)).isEqualTo(XxHash64.hash("abc", 0));
    assertThat(XxHash64.hash("Nobody inspects the spammish repetition!", 0, 39, 0))
        .isEqualTo(0xFBCEA83C8A378BF1L);
  }

  @Test
  void aSeedChangesTheHash() {
    assertThat(XxHash64.hash("10.0.0.1:80", 0)).isNotEqualTo(XxHash64.hash("10.0.0.1:80", 1));
  }
}
