package dev.jmesh.dataplane.settings;

import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.log.MeshLog;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns raw settings into {@link MeshSettings}, refusing any value it cannot use with a message
 * that names the setting, the value, where it came from and what is allowed. A meshed workload
 * never starts half-configured.
 */
public final class SettingsParser {

  /** Every setting key, in the order docs/agent.md lists them. */
  public static final List<String> KEYS =
      List.of(
          "service",
          "namespace",
          "serviceAccount",
          "labels",
          "locality",
          "controlPlane",
          "tokenFile",
          "token",
          "adminPort",
          "metricsPort",
          "workloadAddress",
          "logLevel",
          "trustDomain",
          "tlsProvider",
          "excludeOutboundPorts",
          "excludeInboundPorts",
          "excludeOutboundIPRanges",
          "excludeMainClasses",
          "disabledInstrumentations",
          "startUnmeshedOnError",
          "servicePorts",
          "firstConfigTimeout",
          "protocolDetectionTimeout",
          "requestHeadersTimeout",
          "idleTimeout",
          "tlsHandshakeTimeout",
          "maxRequestBodyBytes",
          "drainTimeout",
          "inboundPath",
          "journal");

  private static final String LABEL_ARG_PREFIX = "label.";

  /** Settings whose value is a comma-separated list. */
  private static final Set<String> LIST_KEYS =
      Set.of(
          "excludeOutboundPorts",
          "excludeInboundPorts",
          "excludeOutboundIPRanges",
          "excludeMainClasses",
          "disabledInstrumentations",
          "servicePorts");

  /** Kubernetes' DNS-1123 label: what a service or namespace name may be. */
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** Kubernetes label keys (optional DNS prefix) and values. */
  private static final Pattern LABEL_KEY =
      Pattern.compile("([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?");

  private static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?");

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  private static final Set<String> HOOKS = Set.of("connect", "bind", "accept", "http-request");

  private SettingsParser() {}

  /**
   * Splits {@code -javaagent:mesh.jar=key=value,key=value}. A {@code label.NAME=VALUE} entry adds
   * one label; an item without {@code =} after a list setting continues that list ({@code
   * excludeOutboundPorts=5432,6379,service=x}); an unknown key is refused, since a typo would
   * otherwise be silently ignored.
   */
  public static Map<String, String> parseAgentArgs(String args) throws BadSettingException {
    Map<String, String> parsed = new LinkedHashMap<>();
    if (args == null || args.isBlank()) {
      return parsed;
    }
    StringBuilder labels = new StringBuilder();
    String lastKey = null;
    for (String part : args.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      if (eq < 0 && lastKey != null && LIST_KEYS.contains(lastKey)) {
        parsed.merge(lastKey, part.trim(), (a, b) -> a + "," + b);
        continue;
      }
      if (eq <= 0) {
        throw new BadSettingException(
            "-javaagent argument '"
                + part
                + "' is not key=value; write e.g."
                + " -javaagent:mesh.jar=service=reviews,label.version=v2");
      }
      String key = part.substring(0, eq).trim();
      String value = part.substring(eq + 1).trim();
      if (key.startsWith(LABEL_ARG_PREFIX) && key.length() > LABEL_ARG_PREFIX.length()) {
        labels
            .append(labels.length() == 0 ? "" : ",")
            .append(key.substring(LABEL_ARG_PREFIX.length()))
            .append('=')
            .append(value);
        lastKey = null;
      } else if (KEYS.contains(key)) {
        parsed.put(key, value);
        lastKey = key;
      } else {
        throw new BadSettingException(
            "-javaagent argument '"
                + key
                + "' is not a jmesh setting; known settings: "
                + String.join(", ", KEYS)
                + ", label.NAME");
      }
    }
    if (labels.length() > 0) {
      parsed.merge("labels", labels.toString(), (a, b) -> a + "," + b);
    }
    return parsed;
  }

  public static MeshSettings parse(SettingSource source) throws BadSettingException {
    String service = name(source, "service", null, DNS_LABEL, "a DNS-1123 label (reviews)");
    if (service == null) {
      throw new BadSettingException(
          "no service is configured; set MESH_SERVICE, -Djmesh.service or"
              + " -javaagent:mesh.jar=service=NAME");
    }
    return new MeshSettings(
        service,
        name(source, "namespace", "default", DNS_LABEL, "a DNS-1123 label (default)"),
        name(source, "serviceAccount", "default", DNS_SUBDOMAIN, "a DNS-1123 subdomain (reviews)"),
        labels(source),
        locality(source),
        hostPort(source, "controlPlane"),
        text(source, "tokenFile", null),
        // A secret: never validated here, so no error message can echo it.
        text(source, "token", null),
        port(source, "adminPort", MeshSettings.DEFAULT_ADMIN_PORT),
        port(source, "metricsPort", MeshSettings.DEFAULT_METRICS_PORT),
        ipAddress(source, "workloadAddress", "0.0.0.0"),
        logLevel(source),
        name(source, "trustDomain", "cluster.local", DNS_SUBDOMAIN, "a DNS name (cluster.local)"),
        tlsProvider(source),
        ports(source, "excludeOutboundPorts"),
        ports(source, "excludeInboundPorts"),
        cidrs(source, "excludeOutboundIPRanges"),
        list(source, "excludeMainClasses"),
        new LinkedHashSet<>(list(source, "disabledInstrumentations")),
        bool(source, "startUnmeshedOnError", false),
        failHooks(source),
        engine(source),
        journal(source));
  }

  /**
   * {@code journal}: the directory the agent journals every request and TCP connection into
   * (docs/telemetry-journal.md); unset, empty or {@code off}: no journal, the default.
   */
  private static Path journal(SettingSource source) throws BadSettingException {
    SettingSource.Raw raw = source.get("journal");
    if (raw == null || raw.value().isBlank()) {
      return null;
    }
    String value = raw.value().trim();
    if (value.equalsIgnoreCase("off")) {
      return null;
    }
    try {
      return Path.of(value).toAbsolutePath();
    } catch (InvalidPathException e) {
      throw bad(
          raw,
          "journal",
          "is not a directory path ("
              + e.getReason()
              + "); give the directory to journal into, or off");
    }
  }

  private static EngineSettings engine(SettingSource source) throws BadSettingException {
    EngineSettings d = EngineSettings.DEFAULTS;
    return new EngineSettings(
        servicePorts(source),
        duration(source, "firstConfigTimeout", d.firstConfigTimeout()),
        duration(source, "protocolDetectionTimeout", d.protocolDetectionTimeout()),
        duration(source, "requestHeadersTimeout", d.requestHeadersTimeout()),
        duration(source, "idleTimeout", d.idleTimeout()),
        positiveDuration(source, "tlsHandshakeTimeout", d.tlsHandshakeTimeout()),
        bytes(source, "maxRequestBodyBytes", d.maxRequestBodyBytes()),
        duration(source, "drainTimeout", d.drainTimeout()),
        directInbound(source));
  }

  /** {@code inboundPath}: {@code engine} (the default) or {@code direct}. */
  private static boolean directInbound(SettingSource source) throws BadSettingException {
    SettingSource.Raw raw = source.get("inboundPath");
    if (raw == null || raw.value().isBlank()) {
      return false;
    }
    switch (raw.value().trim().toLowerCase(java.util.Locale.ROOT)) {
      case "engine":
        return false;
      case "direct":
        return true;
      default:
        throw bad(raw, "inboundPath", "is not an inbound path; allowed: engine, direct");
    }
  }

  /** {@code tcp-echo:7000,grpc:9090}: Istio port names, whose prefix says the protocol. */
  private static Map<Integer, String> servicePorts(SettingSource source)
      throws BadSettingException {
    Map<Integer, String> ports = new LinkedHashMap<>();
    SettingSource.Raw raw = source.get("servicePorts");
    if (raw == null) {
      return ports;
    }
    for (String item : raw.value().split(",")) {
      if (item.isBlank()) {
        continue;
      }
      int colon = item.lastIndexOf(':');
      String name = colon < 0 ? "" : item.substring(0, colon).trim();
      if (colon < 0 || !DNS_LABEL.matcher(name).matches()) {
        throw bad(raw, "servicePorts", "is not a list of NAME:PORT (tcp-echo:7000,http:8080)");
      }
      ports.put(parsePort(raw, "servicePorts", item.substring(colon + 1).trim(), 1), name);
    }
    return ports;
  }

  /** {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}. */
  private static Duration duration(SettingSource source, String key, Duration fallback)
      throws BadSettingException {
    SettingSource.Raw raw = source.get(key);
    if (raw == null || raw.value().isBlank()) {
      return fallback;
    }
    String value = raw.value().trim();
    Matcher m = DURATION.matcher(value);
    if (!m.matches()) {
      throw bad(raw, key, "is not a duration; use 500ms, 10s, 2m or 1h");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  /** A duration where 0 would mean "close at once", which no one wants. */
  private static Duration positiveDuration(SettingSource source, String key, Duration fallback)
      throws BadSettingException {
    Duration value = duration(source, key, fallback);
    if (value.isZero()) {
      throw bad(source.get(key), key, "must be more than 0; use e.g. 10s");
    }
    return value;
  }

  private static long bytes(SettingSource source, String key, long fallback)
      throws BadSettingException {
    SettingSource.Raw raw = source.get(key);
    if (raw == null || raw.value().isBlank()) {
      return fallback;
    }
    try {
      long value = Long.parseLong(raw.value().trim());
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw bad(raw, key, "is not a number of bytes (0 for no limit)");
  }

  /** Whether the settings ask to start unmeshed rather than exit when one is bad. */
  public static boolean startUnmeshedOnError(SettingSource source) {
    SettingSource.Raw raw = source.get("startUnmeshedOnError");
    return raw != null && raw.value().trim().equalsIgnoreCase("true");
  }

  private static BadSettingException bad(SettingSource.Raw raw, String key, String why) {
    return new BadSettingException(
        "bad setting " + key + ": " + raw.origin() + "=\"" + raw.value() + "\" " + why);
  }

  private static String text(SettingSource source, String key, String fallback) {
    SettingSource.Raw raw = source.get(key);
    return raw == null || raw.value().isBlank() ? fallback : raw.value().trim();
  }

  private static String name(
      SettingSource source, String key, String fallback, Pattern pattern, String allowed)
      throws BadSettingException {
    SettingSource.Raw raw = source.get(key);
    if (raw == null || raw.value().isBlank()) {
      return fallback;
    }
    String value = raw.value().trim();
    if (value.length() > 253 || !pattern.matcher(value).matches()) {
      throw bad(raw, key, "is not allowed; use " + allowed);
    }
    return value;
  }

  private static Map<String, String> labels(SettingSource source) throws BadSettingException {
    Map<String, String> labels = new LinkedHashMap<>();
    SettingSource.Raw raw = source.get("labels");
    if (raw == null || raw.value().isBlank()) {
      return labels;
    }
    for (String pair : raw.value().split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw bad(
            raw,
            "labels",
            "has '"
                + pair.trim()
                + "' without a value; write key=value pairs"
                + " separated by commas (version=v2,app=reviews)");
      }
      String key = pair.substring(0, eq).trim();
      String value = pair.substring(eq + 1).trim();
      if (!LABEL_KEY.matcher(key).matches()) {
        throw bad(raw, "labels", "has the key '" + key + "', which is not a Kubernetes label key");
      }
      if (!LABEL_VALUE.matcher(value).matches()) {
        throw bad(
            raw,
            "labels",
            "has the value '"
                + value
                + "' for "
                + key
                + ", which is not a Kubernetes label value (63 characters of [A-Za-z0-9_.-])");
      }
      labels.put(key, value);
    }
    return labels;
  }

  private static String locality(SettingSource source) throws BadSettingException {
    SettingSource.Raw raw = source.get("locality");
    if (raw == null || raw.value().isBlank()) {
      return "";
    }
    String[] parts = raw.value().trim().split("/", -1);
    if (parts.length > 3 || java.util.Arrays.stream(parts).anyMatch(String::isBlank)) {
      throw bad(raw, "locality", "is not region[/zone[/subzone]] (us-east1/us-east1-b)");
    }
    return raw.value().trim();
  }

  private static String hostPort(SettingSource source, String key) throws BadSettingException {
    SettingSource.Raw raw = source.get(key);
    if (raw == null || raw.value().isBlank()) {
      return null;
    }
    String value = raw.value().trim();
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw bad(raw, key, "is not host:port (istiod.istio-system:15012)");
    }
    parsePort(raw, key, value.substring(colon + 1), 1);
    return value;
  }

  private static int port(SettingSource source, String key, int fallback)
      throws BadSettingException {
    SettingSource.Raw raw = source.get(key);
    if (raw == null || raw.value().isBlank()) {
      return fallback;
    }
    return parsePort(raw, key, raw.value().trim(), 0);
  }

  private static int parsePort(SettingSource.Raw raw, String key, String text, int min)
      throws BadSettingException {
    int port;
    try {
      port = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < min || port > 65535) {
      throw bad(
          raw,
          key,
          "is not a port number; allowed: "
              + min
              + "-65535"
              + (min == 0 ? " (0 picks a free port)" : ""));
    }
    return port;
  }

  private static Set<Integer> ports(SettingSource source, String key) throws BadSettingException {
    Set<Integer> ports = new LinkedHashSet<>();
    SettingSource.Raw raw = source.get(key);
    if (raw == null) {
      return ports;
    }
    for (String item : raw.value().split(",")) {
      if (!item.isBlank()) {
        ports.add(parsePort(raw, key, item.trim(), 1));
      }
    }
    return ports;
  }

  private static List<Cidr> cidrs(SettingSource source, String key) throws BadSettingException {
    List<Cidr> cidrs = new ArrayList<>();
    SettingSource.Raw raw = source.get(key);
    if (raw == null) {
      return cidrs;
    }
    for (String item : raw.value().split(",")) {
      if (item.isBlank()) {
        continue;
      }
      try {
        cidrs.add(Cidr.parse(item));
      } catch (IllegalArgumentException e) {
        throw bad(
            raw,
            key,
            "has '"
                + item.trim()
                + "': "
                + e.getMessage()
                + "; write CIDRs separated by commas (10.0.0.0/8,fd00::/8)");
      }
    }
    return cidrs;
  }

  private static String ipAddress(SettingSource source, String key, String fallback)
      throws BadSettingException {
    SettingSource.Raw raw = source.get(key);
    if (raw == null || raw.value().isBlank()) {
      return fallback;
    }
    if (Cidr.IpLiteral.parse(raw.value().trim()) == null) {
      throw bad(raw, key, "is not an IP address (10.0.0.5, 0.0.0.0 for every interface)");
    }
    return raw.value().trim();
  }

  private static List<String> list(SettingSource source, String key) {
    List<String> items = new ArrayList<>();
    SettingSource.Raw raw = source.get(key);
    if (raw != null) {
      for (String item : raw.value().split(",")) {
        if (!item.isBlank()) {
          items.add(item.trim());
        }
      }
    }
    return items;
  }

  private static boolean bool(SettingSource source, String key, boolean fallback)
      throws BadSettingException {
    SettingSource.Raw raw = source.get(key);
    if (raw == null || raw.value().isBlank()) {
      return fallback;
    }
    String value = raw.value().trim();
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw bad(raw, key, "is not true or false");
  }

  private static MeshLog.Level logLevel(SettingSource source) throws BadSettingException {
    SettingSource.Raw raw = source.get("logLevel");
    if (raw == null || raw.value().isBlank()) {
      return MeshLog.Level.INFO;
    }
    MeshLog.Level level = MeshLog.Level.parse(raw.value());
    if (level == null) {
      throw bad(raw, "logLevel", "is not a log level; allowed: error, warn, info, debug");
    }
    return level;
  }

  private static MeshTls.Provider tlsProvider(SettingSource source) throws BadSettingException {
    SettingSource.Raw raw = source.get("tlsProvider");
    if (raw == null || raw.value().isBlank()) {
      return MeshTls.Provider.BORINGSSL;
    }
    switch (raw.value().trim().toLowerCase(java.util.Locale.ROOT)) {
      case "boringssl":
        return MeshTls.Provider.BORINGSSL;
      case "jdk":
        return MeshTls.Provider.JDK;
      default:
        throw bad(raw, "tlsProvider", "is not a TLS provider; allowed: boringssl, jdk");
    }
  }

  /**
   * {@code -Djmesh.internal.failHooks=connect,bind|all}: a test-only fault switch that makes the
   * data path throw inside those hooks, to prove the application's calls survive it.
   */
  private static Set<String> failHooks(SettingSource source) throws BadSettingException {
    String value = source.systemProperty("jmesh.internal.failHooks");
    Set<String> hooks = new LinkedHashSet<>();
    if (value == null || value.isBlank()) {
      return hooks;
    }
    for (String item : value.split(",")) {
      String hook = item.trim();
      if (hook.equals("all")) {
        hooks.addAll(HOOKS);
      } else if (HOOKS.contains(hook)) {
        hooks.add(hook);
      } else if (!hook.isEmpty()) {
        throw new BadSettingException(
            "bad setting -Djmesh.internal.failHooks=\""
                + value
                + "\": '"
                + hook
                + "' is not one of all, "
                + String.join(", ", HOOKS));
      }
    }
    return hooks;
  }
}
