package dev.jmesh.dataplane.config;

import dev.jmesh.dataplane.route.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Compiles the {@code *_headers_to_add} and {@code *_headers_to_remove} of one level. */
final class HeaderMutations {

  private static final Set<String> OPTION =
      Set.of("header", "append", "append_action", "keep_empty_value");
  private static final Set<String> HEADER = Set.of("key", "value");

  private HeaderMutations() {}

  static HeaderMutation compile(
      List<HeaderValueOption> add, List<String> remove, String addAt, String removeAt)
      throws InvalidConfigException {
    if (add.isEmpty() && remove.isEmpty()) {
      return HeaderMutation.NONE;
    }
    List<String> removals = new ArrayList<>();
    for (int i = 0; i < remove.size(); i++) {
      removals.add(name(remove.get(i), removeAt + "[" + i + "]"));
    }
    List<HeaderMutation.Addition> additions = new ArrayList<>();
    for (int i = 0; i < add.size(); i++) {
      additions.add(addition(add.get(i), addAt + "[" + i + "]"));
    }
    return new HeaderMutation(removals, additions);
  }

  private static HeaderMutation.Addition addition(HeaderValueOption o, String at)
      throws InvalidConfigException {
    SupportedFields.check(o, at, OPTION);
    SupportedFields.check(o.getHeader(), at + ".header", HEADER);
    String name = name(o.getHeader().getKey(), at + ".header.key");
    String value = o.getHeader().getValue();
    if (value.indexOf('%') >= 0) {
      throw new InvalidConfigException(
          at + ".header.value", "substitution formatters (%...%) are not supported");
    }
    HeaderMutation.Action action;
    if (o.hasAppend()) {
      if (o.getAppendAction() != HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD) {
        throw new InvalidConfigException(at, "append and append_action are exclusive");
      }
      action =
          o.getAppend().getValue()
              ? HeaderMutation.Action.APPEND_IF_EXISTS_OR_ADD
              : HeaderMutation.Action.OVERWRITE_IF_EXISTS_OR_ADD;
    } else {
      switch (o.getAppendAction()) {
        case APPEND_IF_EXISTS_OR_ADD:
          action = HeaderMutation.Action.APPEND_IF_EXISTS_OR_ADD;
          break;
        case ADD_IF_ABSENT:
          action = HeaderMutation.Action.ADD_IF_ABSENT;
          break;
        case OVERWRITE_IF_EXISTS_OR_ADD:
          action = HeaderMutation.Action.OVERWRITE_IF_EXISTS_OR_ADD;
          break;
        case OVERWRITE_IF_EXISTS:
          action = HeaderMutation.Action.OVERWRITE_IF_EXISTS;
          break;
        default:
          throw new InvalidConfigException(at + ".append_action", "unknown value");
      }
    }
    return new HeaderMutation.Addition(name, value, action, o.getKeepEmptyValue());
  }

  private static String name(String raw, String at) throws InvalidConfigException {
    String name = raw.toLowerCase(Locale.ROOT);
    if (name.isEmpty()) {
      throw new InvalidConfigException(at, "must not be empty");
    }
    if (name.startsWith(":") || name.equals("host")) {
      throw new InvalidConfigException(at, "pseudo-headers and host cannot be changed here");
    }
    return name;
  }
}
