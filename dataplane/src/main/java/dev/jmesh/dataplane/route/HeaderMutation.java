package dev.jmesh.dataplane.route;

import dev.jmesh.bootstrap.MeshHeaders;
import java.util.List;

/**
 * Header changes of one configuration level (route configuration, virtual host, route or weighted
 * cluster), applied as Envoy does: removals first, then additions in order.
 *
 * @param remove header names to remove, lower case
 * @param add headers to add
 */
public record HeaderMutation(List<String> remove, List<Addition> add) {

  /** Envoy's {@code HeaderValueOption.HeaderAppendAction}. */
  public enum Action {
    /** Append a value (a new header line) when the header exists, otherwise add it. */
    APPEND_IF_EXISTS_OR_ADD,
    /** Add the header only if it is absent. */
    ADD_IF_ABSENT,
    /** Replace every value of the header, or add it. */
    OVERWRITE_IF_EXISTS_OR_ADD,
    /** Replace the header only if it exists. */
    OVERWRITE_IF_EXISTS
  }

  /**
   * One header to add.
   *
   * @param name lower-case name
   * @param value the literal value
   * @param action how it combines with a header already present
   * @param keepEmptyValue whether an empty value is still added
   */
  public record Addition(String name, String value, Action action, boolean keepEmptyValue) {}

  public HeaderMutation {
    remove = List.copyOf(remove);
    add = List.copyOf(add);
  }

  /** No change. */
  public static final HeaderMutation NONE = new HeaderMutation(List.of(), List.of());

  public boolean isEmpty() {
    return remove.isEmpty() && add.isEmpty();
  }

  /**
   * Applies {@code mutations} to {@code headers} in Envoy's order: each level's removals, then its
   * additions by their append action. One implementation for the engine (over Netty's headers) and
   * the direct paths (over a library's request).
   */
  public static void applyAll(List<HeaderMutation> mutations, MeshHeaders headers) {
    for (int i = 0; i < mutations.size(); i++) {
      HeaderMutation m = mutations.get(i);
      for (int r = 0; r < m.remove().size(); r++) {
        headers.remove(m.remove().get(r));
      }
      for (int a = 0; a < m.add().size(); a++) {
        Addition add = m.add().get(a);
        if (add.value().isEmpty() && !add.keepEmptyValue()) {
          continue;
        }
        switch (add.action()) {
          case APPEND_IF_EXISTS_OR_ADD:
            headers.add(add.name(), add.value());
            break;
          case ADD_IF_ABSENT:
            if (!headers.contains(add.name())) {
              headers.set(add.name(), add.value());
            }
            break;
          case OVERWRITE_IF_EXISTS_OR_ADD:
            headers.set(add.name(), add.value());
            break;
          case OVERWRITE_IF_EXISTS:
            if (headers.contains(add.name())) {
              headers.set(add.name(), add.value());
            }
            break;
          default:
            break;
        }
      }
    }
  }
}
