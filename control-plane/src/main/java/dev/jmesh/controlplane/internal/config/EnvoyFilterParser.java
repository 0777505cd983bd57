package dev.jmesh.controlplane.internal.config;

import static dev.jmesh.controlplane.internal.config.Fields.fail;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.jmesh.controlplane.config.EnvoyFilter;
import dev.jmesh.controlplane.config.ResourceMeta;
import dev.jmesh.controlplane.internal.yaml.YamlNode;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an EnvoyFilter, accepting only patches that insert the local rate limit into the
 * inbound HTTP filter chain; anything else refuses the whole resource with the patch's line,
 * since applying half of what was asked would leave a workload configured in a way nobody
 * wrote.
 */
final class EnvoyFilterParser {
  private EnvoyFilterParser() {}

  static final String LOCAL_RATE_LIMIT = "envoy.filters.http.local_ratelimit";
  static final String HCM = "envoy.filters.network.http_connection_manager";
  private static final String LOCAL_RATE_LIMIT_TYPE =
      "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
  private static final Set<String> TYPED_STRUCTS = Set.of(
      "type.googleapis.com/udpa.type.v1.TypedStruct",
      "type.googleapis.com/xds.type.v3.TypedStruct");
  private static final Set<String> OPERATIONS = Set.of("INSERT_BEFORE", "INSERT_FIRST", "ADD");
  private static final String SUPPORTED = "jmesh applies only patches that insert "
      + LOCAL_RATE_LIMIT + " into the inbound HTTP filter chain (applyTo: HTTP_FILTER,"
      + " match.context: SIDECAR_INBOUND, match.listener.filterChain.filter.name: " + HCM
      + ", optional subFilter envoy.filters.http.router and portNumber,"
      + " patch.operation: INSERT_BEFORE, INSERT_FIRST or ADD)";

  static EnvoyFilter parse(ResourceMeta meta, YamlNode spec) {
    if (spec.get("targetRefs").isPresent()) {
      throw fail(spec.get("targetRefs"), "targetRefs: not supported; select workloads with"
          + " workloadSelector.labels");
    }
    List<EnvoyFilter.LocalRateLimitPatch> patches = new ArrayList<>();
    for (YamlNode p : spec.get("configPatches").items("configPatches")) {
      patches.add(patch(p));
    }
    return new EnvoyFilter(meta,
        spec.path("workloadSelector", "labels").stringMap("workloadSelector.labels"), patches);
  }

  private static EnvoyFilter.LocalRateLimitPatch patch(YamlNode p) {
    String applyTo = p.get("applyTo").text("configPatches.applyTo", "");
    if (!applyTo.equals("HTTP_FILTER")) {
      throw fail(p.get("applyTo"), "configPatches.applyTo: " + (applyTo.isEmpty() ? "missing"
          : applyTo + " is not supported") + "; " + SUPPORTED);
    }
    YamlNode match = p.get("match");
    String context = match.get("context").text("configPatches.match.context", "");
    if (!context.equals("SIDECAR_INBOUND")) {
      throw fail(match.get("context"), "configPatches.match.context: "
          + (context.isEmpty() ? "missing (it would apply to every chain)" : context
              + " is not supported") + "; " + SUPPORTED);
    }
    for (String key : match.entries("configPatches.match").keySet()) {
      if (!Set.of("context", "listener", "proxy").contains(key)) {
        throw fail(match.get(key), "configPatches.match." + key + ": not supported; "
            + SUPPORTED);
      }
    }
    YamlNode listener = match.get("listener");
    for (String key : listener.entries("configPatches.match.listener").keySet()) {
      if (!Set.of("portNumber", "filterChain").contains(key)) {
        throw fail(listener.get(key), "configPatches.match.listener." + key
            + ": not supported (only portNumber and filterChain.filter); " + SUPPORTED);
      }
    }
    int port = listener.get("portNumber").intValue("configPatches.match.listener.portNumber", 0);
    YamlNode chain = listener.get("filterChain");
    for (String key : chain.entries("configPatches.match.listener.filterChain").keySet()) {
      if (!key.equals("filter")) {
        throw fail(chain.get(key), "configPatches.match.listener.filterChain." + key
            + ": not supported; " + SUPPORTED);
      }
    }
    YamlNode filter = chain.get("filter");
    String filterName = filter.get("name").text("filterChain.filter.name", "");
    if (!filterName.equals(HCM)) {
      throw fail(filter.get("name"), "configPatches.match.listener.filterChain.filter.name: "
          + (filterName.isEmpty() ? "missing" : filterName + " is not supported") + "; "
          + SUPPORTED);
    }
    String subFilter = filter.path("subFilter", "name").text("filter.subFilter.name", "");
    if (!subFilter.isEmpty() && !subFilter.equals("envoy.filters.http.router")) {
      throw fail(filter.get("subFilter"), "configPatches.match.listener.filterChain.filter"
          + ".subFilter.name: " + subFilter + " is not supported; " + SUPPORTED);
    }
    YamlNode patch = p.get("patch");
    String operation = patch.get("operation").text("configPatches.patch.operation", "");
    if (!OPERATIONS.contains(operation)) {
      throw fail(patch.get("operation"), "configPatches.patch.operation: "
          + (operation.isEmpty() ? "missing" : operation + " is not supported") + "; "
          + SUPPORTED);
    }
    YamlNode value = patch.get("value");
    String name = value.get("name").text("configPatches.patch.value.name", "");
    if (!name.equals(LOCAL_RATE_LIMIT)) {
      throw fail(value.get("name"), "configPatches.patch.value.name: "
          + (name.isEmpty() ? "missing" : name + " is not supported") + "; " + SUPPORTED);
    }
    return new EnvoyFilter.LocalRateLimitPatch(port, operation, localRateLimit(value), p.line());
  }

  private static LocalRateLimit localRateLimit(YamlNode value) {
    YamlNode typed = value.get("typed_config");
    if (typed.isMissing()) {
      typed = value.get("typedConfig");
    }
    String type = typed.get("@type").text("typed_config.@type", "");
    YamlNode config;
    if (type.equals(LOCAL_RATE_LIMIT_TYPE)) {
      config = typed;
    } else if (TYPED_STRUCTS.contains(type)) {
      String url = typed.get("type_url").text("typed_config.type_url", "");
      if (!url.equals(LOCAL_RATE_LIMIT_TYPE)) {
        throw fail(typed.get("type_url"), "typed_config.type_url: '" + url + "' must be "
            + LOCAL_RATE_LIMIT_TYPE);
      }
      config = typed.get("value");
    } else {
      throw fail(typed, "typed_config.@type: '" + type + "' must be " + LOCAL_RATE_LIMIT_TYPE
          + " or a TypedStruct (" + String.join(", ", new java.util.TreeSet<>(TYPED_STRUCTS))
          + ") of it");
    }
    LocalRateLimit.Builder out = LocalRateLimit.newBuilder();
    try {
      JsonFormat.parser().merge(json(config, true), out);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw fail(config, "typed_config: not a valid LocalRateLimit: " + e.getMessage());
    }
    if (!out.hasTokenBucket()) {
      // Envoy accepts this and never limits; that is never what was meant.
      throw fail(config, "typed_config: token_bucket is required (max_tokens, tokens_per_fill,"
          + " fill_interval)");
    }
    return out.build();
  }

  /**
   * A YAML subtree as JSON for protobuf's parser. Scalars become strings, which the parser
   * reads as numbers, booleans or enums wherever the field wants one.
   */
  private static String json(YamlNode node, boolean top) {
    switch (node.type()) {
      case MAP: {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, YamlNode> e : node.entries("typed_config").entrySet()) {
          if (top && e.getKey().equals("@type")) {
            continue;
          }
          if (sb.length() > 1) {
            sb.append(',');
          }
          sb.append(quote(e.getKey())).append(':').append(json(e.getValue(), false));
        }
        return sb.append('}').toString();
      }
      case LIST: {
        StringBuilder sb = new StringBuilder("[");
        for (YamlNode item : node.items("typed_config")) {
          if (sb.length() > 1) {
            sb.append(',');
          }
          sb.append(json(item, false));
        }
        return sb.append(']').toString();
      }
      case SCALAR:
        return quote(node.text("typed_config"));
      default:
        return "null";
    }
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
