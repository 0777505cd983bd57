package dev.jmesh.dataplane.settings;

import java.util.Locale;
import java.util.Map;

/**
 * Where settings come from, in the documented precedence: agent arguments ({@code
 * -javaagent:mesh.jar=service=reviews,label.version=v2}), then system properties ({@code
 * -Djmesh.service=reviews}), then environment variables ({@code MESH_SERVICE=reviews}). Each value
 * carries the place it came from, so an error can name it.
 */
public final class SettingSource {

  /** A raw value and where it was found, e.g. {@code MESH_ADMIN_PORT}. */
  public record Raw(String value, String origin) {}

  private final Map<String, String> agentArgs;
  private final Map<String, String> systemProperties;
  private final Map<String, String> environment;

  /** Whether the first map holds command-line options ({@code --control-plane}), not agent args. */
  private final boolean commandLine;

  public SettingSource(
      Map<String, String> agentArgs,
      Map<String, String> systemProperties,
      Map<String, String> environment) {
    this(agentArgs, systemProperties, environment, false);
  }

  private SettingSource(
      Map<String, String> first,
      Map<String, String> systemProperties,
      Map<String, String> environment,
      boolean commandLine) {
    this.agentArgs = Map.copyOf(first);
    this.systemProperties = Map.copyOf(systemProperties);
    this.environment = Map.copyOf(environment);
    this.commandLine = commandLine;
  }

  /**
   * The settings of a program that takes them as options (the proxy: {@code --control-plane
   * host:15012}, keyed here by setting name), then environment variables. Errors name the option.
   */
  public static SettingSource commandLine(
      Map<String, String> options, Map<String, String> environment) {
    return new SettingSource(options, Map.of(), environment, true);
  }

  /** Returns the highest-precedence value for {@code key}, or {@code null}. */
  public Raw get(String key) {
    String arg = agentArgs.get(key);
    if (arg != null) {
      return new Raw(arg, commandLine ? "--" + optionName(key) : "-javaagent argument " + key);
    }
    String property = systemProperties.get("jmesh." + key);
    if (property != null) {
      return new Raw(property, "-Djmesh." + key);
    }
    String env = envName(key);
    String value = environment.get(env);
    return value == null ? null : new Raw(value, env);
  }

  Map<String, String> agentArgs() {
    return agentArgs;
  }

  String systemProperty(String name) {
    return systemProperties.get(name);
  }

  /** {@code controlPlane} → {@code control-plane}: the setting as a command-line option. */
  public static String optionName(String key) {
    return envName(key).substring("MESH_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * {@code excludeMainClasses} → {@code MESH_EXCLUDE_MAIN_CLASSES}, {@code excludeOutboundIPRanges}
   * → {@code MESH_EXCLUDE_OUTBOUND_IP_RANGES}.
   */
  public static String envName(String key) {
    StringBuilder env = new StringBuilder("MESH_");
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isUpperCase(c) && i > 0) {
        boolean afterLower = !Character.isUpperCase(key.charAt(i - 1));
        boolean endsAcronym = i + 1 < key.length() && Character.isLowerCase(key.charAt(i + 1));
        if (afterLower || endsAcronym) {
          env.append('_');
        }
      }
      env.append(c);
    }
    return env.toString().toUpperCase(Locale.ROOT);
  }
}
