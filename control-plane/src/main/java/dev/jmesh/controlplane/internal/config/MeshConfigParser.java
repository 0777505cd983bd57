package dev.jmesh.controlplane.internal.config;

import dev.jmesh.controlplane.config.Location;
import dev.jmesh.controlplane.config.MeshConfig;
import dev.jmesh.controlplane.internal.yaml.YamlNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code mesh.yaml}: either Istio's MeshConfig itself, or an IstioOperator-style file
 * with it under {@code meshConfig:}.
 */
final class MeshConfigParser {
  private MeshConfigParser() {}

  static MeshConfig parse(YamlNode doc, Location location) {
    YamlNode root = doc.get("meshConfig").isPresent() ? doc.get("meshConfig") : doc;
    if (root.path("spec", "meshConfig").isPresent()) {
      root = root.path("spec", "meshConfig");
    }
    MeshConfig defaults = MeshConfig.defaults();
    YamlNode proxy = root.get("defaultConfig");
    Double sampling = proxy.path("tracing", "sampling").doubleValue("defaultConfig.tracing.sampling");
    MeshConfig.ProxyConfig proxyConfig =
        new MeshConfig.ProxyConfig(
            proxy.get("discoveryAddress").text("defaultConfig.discoveryAddress", ""),
            proxy.get("proxyMetadata").stringMap("defaultConfig.proxyMetadata"),
            proxy.get("holdApplicationUntilProxyStarts")
                .boolValue("defaultConfig.holdApplicationUntilProxyStarts", false),
            sampling,
            Durations.read(proxy.get("drainDuration"), "defaultConfig.drainDuration"));
    List<MeshConfig.ExtensionProvider> providers = new ArrayList<>();
    for (YamlNode p : root.get("extensionProviders").items("extensionProviders")) {
      String name = p.get("name").requiredText("extensionProviders.name");
      String type = null;
      Map<String, String> settings = new LinkedHashMap<>();
      for (Map.Entry<String, YamlNode> e : p.entries("extensionProviders").entrySet()) {
        if (e.getKey().equals("name")) {
          continue;
        }
        if (type != null) {
          throw Fields.fail(e.getValue(),
              "extensionProviders " + name + ": give exactly one provider kind, found " + type
                  + " and " + e.getKey());
        }
        type = e.getKey();
        for (Map.Entry<String, YamlNode> s : e.getValue().entries(type).entrySet()) {
          if (s.getValue().isScalar()) {
            settings.put(s.getKey(), s.getValue().text(s.getKey()));
          }
        }
        YamlNode http = e.getValue().get("http");
        if (type.equals("opentelemetry") && http.isPresent()) {
          // OTLP over HTTP instead of gRPC; the path defaults to OTLP's.
          settings.put("http.path", http.get("path").text("opentelemetry.http.path", "/v1/traces"));
        }
        YamlNode logFormat = e.getValue().get("logFormat");
        if (logFormat.isPresent()) {
          String at = "extensionProviders " + name + ": " + type + ".logFormat";
          if (logFormat.get("text").isPresent()) {
            settings.put("logFormat.text", logFormat.get("text").text(at + ".text"));
          }
          if (logFormat.get("labels").isPresent()) {
            settings.put("logFormat.labels",
                jsonObject(logFormat.get("labels").stringMap(at + ".labels")));
          }
        }
      }
      if (type == null) {
        throw Fields.fail(p, "extensionProviders " + name + ": no provider kind given");
      }
      providers.add(new MeshConfig.ExtensionProvider(name, type, settings));
    }
    MeshConfig.AccessLogSettings accessLog = new MeshConfig.AccessLogSettings(
        root.get("accessLogFile").text("accessLogFile", ""),
        Fields.enumValue(root.get("accessLogEncoding"), "accessLogEncoding",
            MeshConfig.AccessLogEncoding.class, MeshConfig.AccessLogEncoding.TEXT),
        root.get("accessLogFormat").text("accessLogFormat", ""));
    if (accessLog.encoding() == MeshConfig.AccessLogEncoding.JSON
        && !accessLog.format().isEmpty()) {
      try {
        com.google.protobuf.util.JsonFormat.parser().merge(accessLog.format(),
            com.google.protobuf.Struct.newBuilder());
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw Fields.fail(root.get("accessLogFormat"), "accessLogFormat: with accessLogEncoding"
            + " JSON it must be a JSON object of keys to Envoy format strings, e.g."
            + " '{\"code\": \"%RESPONSE_CODE%\"}': " + e.getMessage());
      }
    }
    String file = accessLog.file();
    if (!file.isEmpty() && !file.startsWith("/")) {
      throw Fields.fail(root.get("accessLogFile"), "accessLogFile: '" + file + "' must be"
          + " /dev/stdout or an absolute file path (empty turns the access log off)");
    }
    return new MeshConfig(
        root.get("trustDomain").text("trustDomain", defaults.trustDomain()),
        root.get("rootNamespace").text("rootNamespace", defaults.rootNamespace()),
        Fields.enumValue(root.path("outboundTrafficPolicy", "mode"), "outboundTrafficPolicy.mode",
            MeshConfig.OutboundTrafficPolicy.class, MeshConfig.OutboundTrafficPolicy.ALLOW_ANY),
        root.get("enableAutoMtls").boolValue("enableAutoMtls", true),
        proxyConfig,
        providers,
        accessLog,
        location);
  }

  /** A JSON object of string values, in the map's order. */
  static String jsonObject(Map<String, String> fields) {
    StringBuilder out = new StringBuilder("{");
    for (Map.Entry<String, String> e : fields.entrySet()) {
      if (out.length() > 1) {
        out.append(',');
      }
      quote(out, e.getKey());
      out.append(':');
      quote(out, e.getValue());
    }
    return out.append('}').toString();
  }

  private static void quote(StringBuilder out, String s) {
    out.append('"');
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }
}
