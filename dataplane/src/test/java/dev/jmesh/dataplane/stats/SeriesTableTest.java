package dev.jmesh.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeriesTableTest {

  static final class Item extends SeriesTable.Entry {
    Item(long key) {
      super(key);
    }
  }

  @Test
  void findsWhatWasAddedAndNothingElse() {
    SeriesTable<Item> table = new SeriesTable<>(100);
    Item a = new Item(42);
    assertThat(table.get(42)).isNull();
    assertThat(table.add(a)).isSameAs(a);
    assertThat(table.get(42)).isSameAs(a);
    assertThat(table.get(43)).isNull();
  }

  @Test
  void addingAKeyTwiceKeepsTheFirst() {
    SeriesTable<Item> table = new SeriesTable<>(100);
    Item first = new Item(7);
    table.add(first);
    assertThat(table.add(new Item(7))).isSameAs(first);
    assertThat(table.size()).isEqualTo(1);
  }

  @Test
  void holdsUpToItsCapThenRefuses() {
    SeriesTable<Item> table = new SeriesTable<>(3);
    for (long k = 1; k <= 3; k++) {
      assertThat(table.add(new Item(k << 40))).isNotNull();
    }
    assertThat(table.isFull()).isTrue();
    assertThat(table.add(new Item(99))).isNull();
    assertThat(table.get(2L << 40).key).isEqualTo(2L << 40);
    assertThat(table.get(99)).isNull();
  }

  @Test
  void collidingKeysAreAllFound() {
    SeriesTable<Item> table = new SeriesTable<>(1000);
    for (long k = 0; k < 1000; k++) {
      table.add(new Item(k * 1024));
    }
    for (long k = 0; k < 1000; k++) {
      assertThat(table.get(k * 1024).key).isEqualTo(k * 1024);
    }
    List<Item> all = new ArrayList<>();
    table.forEach(all::add);
    assertThat(all).hasSize(1000);
  }

  @Test
  void rejectsAnImpossibleCap() {
    assertThatThrownBy(() -> new SeriesTable<Item>(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
