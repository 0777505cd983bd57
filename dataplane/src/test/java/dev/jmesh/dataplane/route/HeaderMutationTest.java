package dev.jmesh.dataplane.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.bootstrap.MeshHeaders;
import dev.jmesh.dataplane.route.HeaderMutation.Action;
import dev.jmesh.dataplane.route.HeaderMutation.Addition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderMutationTest {

  /** Headers as a library or Netty holds them: a name may have several values. */
  private static final class Headers implements MeshHeaders {
    final Map<String, List<String>> values = new LinkedHashMap<>();

    Headers with(String name, String value) {
      add(name, value);
      return this;
    }

    @Override
    public boolean contains(String name) {
      return values.containsKey(name);
    }

    @Override
    public void set(String name, String value) {
      values.put(name, new ArrayList<>(List.of(value)));
    }

    @Override
    public void add(String name, String value) {
      values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }

    @Override
    public void remove(String name) {
      values.remove(name);
    }
  }

  @Test
  void eachLevelRemovesFirstThenAddsByItsAppendAction() {
    Headers h =
        new Headers()
            .with("x-append", "a")
            .with("x-absent", "kept")
            .with("x-overwrite", "old")
            .with("x-if-exists", "old")
            .with("x-gone", "v");
    HeaderMutation route =
        new HeaderMutation(
            List.of("x-gone", "x-readded"),
            List.of(
                new Addition("x-append", "b", Action.APPEND_IF_EXISTS_OR_ADD, false),
                new Addition("x-absent", "new", Action.ADD_IF_ABSENT, false),
                new Addition("x-fresh", "new", Action.ADD_IF_ABSENT, false),
                new Addition("x-overwrite", "new", Action.OVERWRITE_IF_EXISTS_OR_ADD, false),
                new Addition("x-if-exists", "new", Action.OVERWRITE_IF_EXISTS, false),
                new Addition("x-not-there", "new", Action.OVERWRITE_IF_EXISTS, false),
                new Addition("x-empty", "", Action.OVERWRITE_IF_EXISTS_OR_ADD, false),
                new Addition("x-kept-empty", "", Action.OVERWRITE_IF_EXISTS_OR_ADD, true)));
    // A later level's removal applies after the earlier level's additions.
    HeaderMutation virtualHost =
        new HeaderMutation(
            List.of("x-fresh"),
            List.of(new Addition("x-readded", "vh", Action.OVERWRITE_IF_EXISTS_OR_ADD, false)));

    HeaderMutation.applyAll(List.of(route, virtualHost), h);

    assertThat(h.values)
        .containsEntry("x-append", List.of("a", "b"))
        .containsEntry("x-absent", List.of("kept"))
        .containsEntry("x-overwrite", List.of("new"))
        .containsEntry("x-if-exists", List.of("new"))
        .containsEntry("x-kept-empty", List.of(""))
        .containsEntry("x-readded", List.of("vh"))
        .doesNotContainKeys("x-gone", "x-not-there", "x-empty", "x-fresh");
  }
}
