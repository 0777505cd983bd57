package dev.jmesh.dataplane.route;

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
}
