package dev.jmesh.journal.replay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One subcommand's arguments: {@code --name value} or {@code --name=value} options, {@code --flag}
 * switches and positional words, checked against what the subcommand accepts so a typo is an error
 * naming the option, not a silently ignored filter.
 */
final class ReplayArgs {

  private final String command;
  private final Map<String, String> options = new LinkedHashMap<>();
  private final List<String> positional = new ArrayList<>();

  private ReplayArgs(String command) {
    this.command = command;
  }

  /**
   * Parses {@code args}; {@code valued} are options that take a value, {@code switches} those that
   * do not. {@code --help} is always a switch.
   */
  static ReplayArgs parse(String command, String[] args, Set<String> valued, Set<String> switches)
      throws UsageException {
    ReplayArgs parsed = new ReplayArgs(command);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || arg.equals("--")) {
        parsed.positional.add(arg);
        continue;
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (name.equals("help") || switches.contains(name)) {
        if (value != null) {
          throw new UsageException(command + ": --" + name + " takes no value");
        }
        parsed.options.put(name, "true");
      } else if (valued.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.length) {
            throw new UsageException(command + ": --" + name + " needs a value");
          }
          value = args[++i];
        }
        parsed.options.put(name, value);
      } else {
        List<String> known = new ArrayList<>();
        valued.forEach(v -> known.add("--" + v));
        switches.forEach(s -> known.add("--" + s));
        known.sort(null);
        throw new UsageException(
            command
                + ": unknown option --"
                + name
                + "; "
                + command
                + " takes "
                + String.join(", ", known)
                + " (see mesh replay "
                + command
                + " --help)");
      }
    }
    return parsed;
  }

  String command() {
    return command;
  }

  boolean has(String name) {
    return options.containsKey(name);
  }

  String get(String name) {
    return options.get(name);
  }

  String get(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  String required(String name) throws UsageException {
    String value = options.get(name);
    if (value == null) {
      throw new UsageException(command + ": --" + name + " is required");
    }
    return value;
  }

  double number(String name, double fallback) throws UsageException {
    String value = options.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new UsageException(command + ": --" + name + " " + value + " is not a number");
    }
  }

  List<String> positional() {
    return positional;
  }
}
