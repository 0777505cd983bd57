package dev.jmesh.controlplane.internal.registration;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a workload announces about itself in its xDS {@code node} metadata. Istio's keys where
 * Istio has one ({@code NAMESPACE}, {@code LABELS}, {@code INSTANCE_IPS},
 * {@code SERVICE_ACCOUNT}), jmesh's for the rest:
 *
 * <ul>
 *   <li>{@code MESH_SERVICE}: the service name; without it the proxy does not register
 *   <li>{@code MESH_PORTS}: {@code "http:9080,grpc:9090"} or a struct {@code {http: 9080}}
 *   <li>{@code MESH_READY}: {@code "false"} until the server is bound; absent means ready
 * </ul>
 *
 * Locality comes from {@code node.locality}.
 */
public record WorkloadRegistration(
    String proxyId,
    String service,
    String namespace,
    Map<String, String> labels,
    String address,
    Map<String, Integer> ports,
    String locality,
    String serviceAccount,
    boolean ready) {

  public static final String SERVICE = "MESH_SERVICE";
  public static final String PORTS = "MESH_PORTS";
  public static final String READY = "MESH_READY";

  public WorkloadRegistration {
    labels = Map.copyOf(labels);
    ports = Map.copyOf(ports);
  }

  /** Thrown for a node that asks to register but cannot; the message says what to fix. */
  public static final class InvalidRegistration extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidRegistration(String message) {
      super(message);
    }
  }

  /** The registration a node asks for, or null when it does not ask to register. */
  public static WorkloadRegistration from(Node node) throws InvalidRegistration {
    Struct md = node.getMetadata();
    String service = text(md, SERVICE);
    if (service.isEmpty()) {
      return null;
    }
    String namespace = text(md, "NAMESPACE");
    Map<String, String> labels = new LinkedHashMap<>();
    Value l = md.getFieldsOrDefault("LABELS", Value.getDefaultInstance());
    l.getStructValue().getFieldsMap().forEach((k, v) -> labels.put(k, v.getStringValue()));
    labels.putIfAbsent("app", service);
    String ips = text(md, "INSTANCE_IPS");
    String address = ips.split(",")[0].trim();
    if (address.isEmpty()) {
      throw new InvalidRegistration("INSTANCE_IPS is required to register " + service);
    }
    Map<String, Integer> ports = ports(md.getFieldsOrDefault(PORTS, Value.getDefaultInstance()));
    if (ports.isEmpty() && "false".equalsIgnoreCase(text(md, READY))) {
      // An agent announces its ports once its server is bound: nothing to register before.
      return null;
    }
    if (ports.isEmpty()) {
      throw new InvalidRegistration(PORTS + " is required to register " + service
          + " (e.g. \"http:8080\")");
    }
    var loc = node.getLocality();
    String locality = loc.getRegion().isEmpty() ? ""
        : loc.getRegion() + (loc.getZone().isEmpty() ? "" : "/" + loc.getZone()
            + (loc.getSubZone().isEmpty() ? "" : "/" + loc.getSubZone()));
    return new WorkloadRegistration(node.getId(), service,
        namespace.isEmpty() ? "default" : namespace, labels, address, ports, locality,
        text(md, "SERVICE_ACCOUNT"), !"false".equalsIgnoreCase(text(md, READY)));
  }

  private static Map<String, Integer> ports(Value v) throws InvalidRegistration {
    Map<String, Integer> out = new LinkedHashMap<>();
    if (v.hasStructValue()) {
      for (Map.Entry<String, Value> e : v.getStructValue().getFieldsMap().entrySet()) {
        Value p = e.getValue();
        out.put(e.getKey(), port(p.hasNumberValue() ? String.valueOf((long) p.getNumberValue())
            : p.getStringValue()));
      }
      return out;
    }
    for (String part : v.getStringValue().split(",")) {
      if (part.isBlank()) {
        continue;
      }
      int colon = part.indexOf(':');
      if (colon <= 0) {
        throw new InvalidRegistration(PORTS + ": '" + part + "' is not name:port");
      }
      out.put(part.substring(0, colon).trim(), port(part.substring(colon + 1).trim()));
    }
    return out;
  }

  private static int port(String text) throws InvalidRegistration {
    try {
      int p = Integer.parseInt(text);
      if (p > 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidRegistration(PORTS + ": '" + text + "' is not a port number");
  }

  private static String text(Struct md, String key) {
    return md.getFieldsOrDefault(key, Value.getDefaultInstance()).getStringValue();
  }
}
