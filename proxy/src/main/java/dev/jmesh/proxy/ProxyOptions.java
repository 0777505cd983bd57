package dev.jmesh.proxy;

import dev.jmesh.dataplane.settings.BadSettingException;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.settings.SettingSource;
import dev.jmesh.dataplane.settings.SettingsParser;
import java.net.InetSocketAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code mesh-proxy.jar} is told to do: the workload's mesh settings (the agent's, by the same
 * names: {@code --control-plane} or {@code MESH_CONTROL_PLANE}), the application ports it fronts,
 * and its outbound listeners. An option on the command line wins over its environment variable.
 * Every value is checked before anything starts; a bad one is an error that names it.
 */
record ProxyOptions(
    MeshSettings settings,
    List<InboundMapping> inbound,
    List<OutboundMapping> outbound,
    InetSocketAddress httpProxy,
    InetSocketAddress capture,
    Path hostsFile,
    Path journal,
    boolean help) {

  static final InetSocketAddress DEFAULT_HTTP_PROXY = new InetSocketAddress("127.0.0.1", 15001);

  /** Where the journal goes unless told otherwise: beside the proxy, in its working directory. */
  static final Path DEFAULT_JOURNAL = Path.of("jmesh-journal");

  /** The agent's settings that mean something to a proxy, in --help's order. */
  static final List<String> MESH_KEYS =
      List.of(
          "service",
          "namespace",
          "serviceAccount",
          "labels",
          "locality",
          "controlPlane",
          "tokenFile",
          "adminPort",
          "metricsPort",
          "workloadAddress",
          "logLevel",
          "trustDomain",
          "tlsProvider",
          "servicePorts",
          "firstConfigTimeout",
          "protocolDetectionTimeout",
          "requestHeadersTimeout",
          "idleTimeout",
          "tlsHandshakeTimeout",
          "maxRequestBodyBytes",
          "drainTimeout");

  /** The proxy's own options; the repeatable ones are comma-separated lists in the environment. */
  static final List<String> PROXY_KEYS =
      List.of("appPort", "inbound", "outbound", "httpProxy", "capturePort", "hostsFile", "journal");

  private static final List<String> REPEATABLE = List.of("appPort", "inbound", "outbound");

  ProxyOptions {
    inbound = List.copyOf(inbound);
    outbound = List.copyOf(outbound);
  }

  static ProxyOptions parse(String[] args, Map<String, String> environment)
      throws BadSettingException {
    Map<String, String> meshOptions = new HashMap<>();
    Map<String, List<String>> proxyOptions = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        return new ProxyOptions(null, List.of(), List.of(), null, null, null, null, true);
      }
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new BadSettingException(
            "argument '" + arg + "' is not an option; options are --NAME VALUE, see --help");
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      String value;
      if (eq >= 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new BadSettingException("option --" + name + " needs a value; see --help");
      }
      String key = keyOf(name);
      if (key == null) {
        throw new BadSettingException(
            "unknown option --"
                + name
                + (name.equals("token")
                    ? "; a token on the command line is visible to every user of the host: use"
                        + " --token-file, or MESH_TOKEN"
                    : "; see --help"));
      }
      if (PROXY_KEYS.contains(key)) {
        proxyOptions.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
      } else {
        meshOptions.put(key, value);
      }
    }
    SettingSource source = SettingSource.commandLine(meshOptions, environment);
    if (source.get("service") == null) {
      throw new BadSettingException(
          "no service is configured; pass --service NAME (the mesh service the application"
              + " serves, e.g. ratings) or set MESH_SERVICE");
    }
    MeshSettings settings = SettingsParser.parse(source);
    List<InboundMapping> inbound = new ArrayList<>();
    for (Value v : values("appPort", proxyOptions, environment)) {
      inbound.add(InboundMapping.appPort(v.text(), v.origin()));
    }
    for (Value v : values("inbound", proxyOptions, environment)) {
      inbound.add(InboundMapping.parse(v.text(), v.origin()));
    }
    checkDistinct(inbound);
    List<OutboundMapping> outbound = new ArrayList<>();
    for (Value v : values("outbound", proxyOptions, environment)) {
      outbound.add(OutboundMapping.parse(v.text(), v.origin()));
    }
    return new ProxyOptions(
        settings,
        inbound,
        outbound,
        httpProxy(proxyOptions, environment),
        capture(proxyOptions, environment),
        hostsFile(proxyOptions, environment),
        journal(proxyOptions, environment),
        false);
  }

  /**
   * Refuses an inbound mapping whose application address is the address the proxy would listen on
   * ({@code --app-port} with a loopback workload address): the two cannot both bind it.
   */
  void checkInboundAgainst(String workloadIp) throws BadSettingException {
    for (InboundMapping m : inbound) {
      InetSocketAddress listen = new InetSocketAddress(workloadIp, m.listenPort());
      if (listen.equals(m.application())) {
        throw new BadSettingException(
            "bad setting --inbound/--app-port "
                + m.listenPort()
                + ": the proxy would listen on "
                + workloadIp
                + ":"
                + m.listenPort()
                + ", where the application is; with --workload-address "
                + workloadIp
                + " give the application another port: --inbound "
                + m.listenPort()
                + "=127.0.0.1:APP_PORT");
      }
    }
  }

  private static void checkDistinct(List<InboundMapping> inbound) throws BadSettingException {
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (InboundMapping m : inbound) {
      if (!seen.add(m.listenPort())) {
        throw new BadSettingException(
            "bad setting --inbound/--app-port: port "
                + m.listenPort()
                + " is mapped twice; give each listen port one application address");
      }
    }
  }

  /** {@code --http-proxy 127.0.0.1:15001} (the default), a bare port, or {@code off}. */
  private static InetSocketAddress httpProxy(
      Map<String, List<String>> options, Map<String, String> environment)
      throws BadSettingException {
    Value v = last("httpProxy", options, environment);
    if (v == null) {
      return DEFAULT_HTTP_PROXY;
    }
    return v.off() ? null : listenAddress(v, "the HTTP proxy", true);
  }

  /**
   * {@code --capture-port 15002} (on 127.0.0.1, where scripts/mesh-capture's TPROXY rule sends
   * captured connections), {@code IP:PORT}, or {@code off} (the default).
   */
  private static InetSocketAddress capture(
      Map<String, List<String>> options, Map<String, String> environment)
      throws BadSettingException {
    Value v = last("capturePort", options, environment);
    return v == null || v.off() ? null : listenAddress(v, "the capture listener", false);
  }

  /** A bare port (on 127.0.0.1) or {@code IP:PORT}; {@code zeroAllowed}: 0 picks a free one. */
  private static InetSocketAddress listenAddress(Value v, String what, boolean zeroAllowed)
      throws BadSettingException {
    String text = v.text().trim();
    if (text.indexOf(':') < 0) {
      return new InetSocketAddress(
          "127.0.0.1", OptionValues.port(text, v.origin(), v.text(), what, zeroAllowed));
    }
    return OptionValues.hostPort(text, v.origin(), v.text(), what, zeroAllowed);
  }

  /** {@code --hosts-file /etc/netns/NS/hosts}: where the mesh's names are kept, or none. */
  private static Path hostsFile(Map<String, List<String>> options, Map<String, String> environment)
      throws BadSettingException {
    Value v = last("hostsFile", options, environment);
    if (v == null) {
      return null;
    }
    Path file = Path.of(v.text().trim());
    Path dir = file.toAbsolutePath().getParent();
    if (v.text().isBlank() || dir == null || !java.nio.file.Files.isDirectory(dir)) {
      throw OptionValues.bad(
          v.origin(),
          v.text(),
          "is not a file in an existing directory; write e.g. /etc/netns/NS/hosts (create it"
              + " with scripts/mesh-capture up --netns NS)");
    }
    return file;
  }

  /** {@code --journal DIR} ({@link #DEFAULT_JOURNAL} when not given) or {@code off}. */
  private static Path journal(Map<String, List<String>> options, Map<String, String> environment)
      throws BadSettingException {
    Value v = last("journal", options, environment);
    if (v == null) {
      return DEFAULT_JOURNAL;
    }
    if (v.off()) {
      return null;
    }
    String text = v.text().trim();
    if (text.isEmpty()) {
      throw new BadSettingException(
          "bad setting " + v.origin() + ": empty; give the journal's directory, or off");
    }
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw OptionValues.bad(
          v.origin(),
          v.text(),
          "is not a directory path (" + e.getReason() + "); give the journal's directory, or off");
    }
  }

  /** The option's last value (the command line's, else its variable's), or {@code null}. */
  private static Value last(
      String key, Map<String, List<String>> options, Map<String, String> environment) {
    List<Value> values = values(key, options, environment);
    return values.isEmpty() ? null : values.get(values.size() - 1);
  }

  private record Value(String text, String origin) {
    boolean off() {
      return text.trim().equals("off");
    }
  }

  /** The option's values from the command line, else from its environment variable. */
  private static List<Value> values(
      String key, Map<String, List<String>> options, Map<String, String> environment) {
    List<Value> out = new ArrayList<>();
    List<String> given = options.get(key);
    if (given != null) {
      for (String g : given) {
        if (REPEATABLE.contains(key)) {
          for (String item : g.split(",")) {
            if (!item.isBlank()) {
              out.add(new Value(item, "--" + SettingSource.optionName(key)));
            }
          }
        } else {
          out.add(new Value(g, "--" + SettingSource.optionName(key)));
        }
      }
      return out;
    }
    String env = SettingSource.envName(key);
    String value = environment.get(env);
    if (value != null) {
      for (String item : REPEATABLE.contains(key) ? value.split(",") : new String[] {value}) {
        if (!item.isBlank()) {
          out.add(new Value(item, env));
        }
      }
    }
    return out;
  }

  private static String keyOf(String optionName) {
    for (String key : MESH_KEYS) {
      if (SettingSource.optionName(key).equals(optionName)) {
        return key;
      }
    }
    for (String key : PROXY_KEYS) {
      if (SettingSource.optionName(key).equals(optionName)) {
        return key;
      }
    }
    return null;
  }
}
