package dev.jmesh.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class WeakIdentityMapTest {

  private final List<String> abandoned = new CopyOnWriteArrayList<>();
  private final WeakIdentityMap<Object, String> map = new WeakIdentityMap<>(abandoned::add);

  @Test
  void keysAreComparedByIdentity() {
    String key = new String("k");
    map.put(key, "v");

    assertThat(map.get(key)).isEqualTo("v");
    assertThat(map.get(new String("k"))).isNull();
    assertThat(map.remove(new String("k"), "v")).isFalse();
    assertThat(map.remove(key, "other")).isFalse();
    assertThat(map.remove(key, "v")).isTrue();
    assertThat(map.get(key)).isNull();
  }

  @Test
  void aCollectedKeyLeavesTheMapAndHandsItsValueOn() throws InterruptedException {
    map.put(new Object(), "dropped");
    Object kept = new Object();
    map.put(kept, "kept");

    for (int i = 0; i < 50 && abandoned.isEmpty(); i++) {
      System.gc();
      Thread.sleep(20);
      map.size();
    }

    assertThat(abandoned).containsExactly("dropped");
    assertThat(map.size()).isEqualTo(1);
    assertThat(map.get(kept)).isEqualTo("kept");
  }
}
