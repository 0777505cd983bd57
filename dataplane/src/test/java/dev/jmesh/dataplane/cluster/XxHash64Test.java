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
  void aSeedChangesTheHash() {
    assertThat(XxHash64.hash("10.0.0.1:80", 0)).isNotEqualTo(XxHash64.hash("10.0.0.1:80", 1));
  }
}
