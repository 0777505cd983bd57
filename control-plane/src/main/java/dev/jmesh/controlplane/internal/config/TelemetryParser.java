package dev.jmesh.controlplane.internal.config;

import static dev.jmesh.controlplane.internal.config.Fields.fail;

import dev.jmesh.controlplane.config.RequestAuthentication;
import dev.jmesh.controlplane.config.ResourceMeta;
import dev.jmesh.controlplane.config.Telemetry;
import dev.jmesh.controlplane.internal.yaml.YamlNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parses {@code security.istio.io} RequestAuthentication and {@code telemetry.istio.io}. */
final class TelemetryParser {
  private TelemetryParser() {}

  private static final Set<String> METRICS = Set.of("ALL_METRICS", "REQUEST_COUNT",
      "REQUEST_DURATION", "REQUEST_SIZE", "RESPONSE_SIZE", "TCP_OPENED_CONNECTIONS",
      "TCP_CLOSED_CONNECTIONS", "TCP_SENT_BYTES", "TCP_RECEIVED_BYTES", "GRPC_REQUEST_MESSAGES",
      "GRPC_RESPONSE_MESSAGES");
  private static final Set<String> MODES = Set.of("CLIENT_AND_SERVER", "CLIENT", "SERVER");

  static RequestAuthentication requestAuthentication(ResourceMeta meta, YamlNode spec) {
    List<RequestAuthentication.JwtRule> rules = new ArrayList<>();
    for (YamlNode r : spec.get("jwtRules").items("jwtRules")) {
      String issuer = r.get("issuer").requiredText("jwtRules.issuer");
      String jwksUri = r.get("jwksUri").text("jwtRules.jwksUri", "");
      String jwks = r.get("jwks").text("jwtRules.jwks", "");
      if (!jwksUri.isEmpty() && !jwks.isEmpty()) {
        throw fail(r, "jwtRules: give jwksUri or jwks, not both");
      }
      if (jwksUri.startsWith("https://") || jwksUri.startsWith("http://")) {
        // The data path reads keys it is given; it has no fetcher (and no cache or refresh).
        throw fail(r.get("jwksUri"), "jwtRules.jwksUri: '" + jwksUri + "': fetching a remote"
            + " JWKS is not supported yet; put the key set inline (jwks: '{\"keys\": [...]}',"
            + " e.g. the output of curl " + jwksUri + ") or in a local file"
            + " (jwksUri: file:///etc/jmesh/jwks.json)");
      }
      if (!jwksUri.isEmpty() && !jwksUri.startsWith("file:///")) {
        throw fail(r.get("jwksUri"), "jwtRules.jwksUri: '" + jwksUri + "' is neither a local"
            + " file (file:///path/jwks.json) nor an http(s) URL");
      }
      if (jwksUri.isEmpty() && jwks.isEmpty()) {
        // Istio would discover the keys from the issuer's OpenID configuration, remotely.
        throw fail(r, "jwtRules: issuer " + issuer + " needs jwks (the key set inline) or"
            + " jwksUri: file:///path/jwks.json; discovering keys from the issuer is not"
            + " supported yet");
      }
      List<RequestAuthentication.JwtHeader> headers = new ArrayList<>();
      for (YamlNode h : r.get("fromHeaders").items("jwtRules.fromHeaders")) {
        headers.add(new RequestAuthentication.JwtHeader(
            h.get("name").requiredText("jwtRules.fromHeaders.name"),
            h.get("prefix").text("jwtRules.fromHeaders.prefix", "")));
      }
      rules.add(new RequestAuthentication.JwtRule(issuer,
          r.get("audiences").texts("jwtRules.audiences"), jwksUri, jwks, headers,
          r.get("fromParams").texts("jwtRules.fromParams"),
          r.get("outputPayloadToHeader").text("jwtRules.outputPayloadToHeader", ""),
          r.get("forwardOriginalToken").boolValue("jwtRules.forwardOriginalToken", false),
          r.line()));
    }
    return new RequestAuthentication(meta,
        Fields.labels(spec.get("selector"), "matchLabels", "selector.matchLabels"), rules);
  }

  static Telemetry telemetry(ResourceMeta meta, YamlNode spec) {
    List<Telemetry.Tracing> tracing = new ArrayList<>();
    for (YamlNode t : spec.get("tracing").items("tracing")) {
      Double pct = t.get("randomSamplingPercentage").doubleValue("tracing.randomSamplingPercentage");
      if (pct != null && (pct < 0 || pct > 100)) {
        throw fail(t.get("randomSamplingPercentage"),
            "tracing.randomSamplingPercentage: " + pct + " must be between 0 and 100");
      }
      Map<String, String> literals = new LinkedHashMap<>();
      for (Map.Entry<String, YamlNode> tag : t.get("customTags").entries("tracing.customTags")
          .entrySet()) {
        YamlNode literal = tag.getValue().path("literal", "value");
        if (literal.isPresent()) {
          literals.put(tag.getKey(), literal.text("tracing.customTags.literal.value"));
        }
      }
      tracing.add(new Telemetry.Tracing(providers(t), pct,
          t.get("disableSpanReporting").boolValue("tracing.disableSpanReporting", false),
          literals, t.line()));
    }
    List<Telemetry.AccessLogging> logging = new ArrayList<>();
    for (YamlNode a : spec.get("accessLogging").items("accessLogging")) {
      logging.add(new Telemetry.AccessLogging(providers(a),
          a.get("disabled").boolValue("accessLogging.disabled", false),
          a.path("filter", "expression").text("accessLogging.filter.expression", ""), a.line()));
    }
    List<Telemetry.Metrics> metrics = new ArrayList<>();
    for (YamlNode m : spec.get("metrics").items("metrics")) {
      List<Telemetry.Override> overrides = new ArrayList<>();
      for (YamlNode o : m.get("overrides").items("metrics.overrides")) {
        String metric = o.path("match", "metric").text("metrics.overrides.match.metric",
            "ALL_METRICS");
        if (!METRICS.contains(metric)) {
          throw fail(o, "metrics.overrides.match.metric: '" + metric + "' is not one of "
              + new java.util.TreeSet<>(METRICS));
        }
        String mode = o.path("match", "mode").text("metrics.overrides.match.mode",
            "CLIENT_AND_SERVER");
        if (!MODES.contains(mode)) {
          throw fail(o, "metrics.overrides.match.mode: '" + mode + "' is not one of "
              + new java.util.TreeSet<>(MODES));
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (Map.Entry<String, YamlNode> tag : o.get("tagOverrides")
            .entries("metrics.overrides.tagOverrides").entrySet()) {
          String op = tag.getValue().get("operation").text("tagOverrides.operation", "UPSERT");
          tags.put(tag.getKey(), op.equals("REMOVE") ? "" 
              : tag.getValue().get("value").text("tagOverrides.value", ""));
        }
        overrides.add(new Telemetry.Override(metric, mode,
            o.get("disabled").boolValue("metrics.overrides.disabled", false), tags));
      }
      metrics.add(new Telemetry.Metrics(providers(m), overrides, m.line()));
    }
    return new Telemetry(meta,
        Fields.labels(spec.get("selector"), "matchLabels", "selector.matchLabels"),
        tracing, logging, metrics);
  }

  private static List<String> providers(YamlNode entry) {
    List<String> out = new ArrayList<>();
    for (YamlNode p : entry.get("providers").items("providers")) {
      out.add(p.get("name").requiredText("providers.name"));
    }
    return out;
  }
}
