package dev.jmesh.controlplane.internal.config;

import dev.jmesh.controlplane.config.ConfigResource;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.config.Location;
import dev.jmesh.controlplane.config.MeshConfig;
import dev.jmesh.controlplane.config.ResourceId;
import dev.jmesh.controlplane.config.ResourceMeta;
import dev.jmesh.controlplane.internal.yaml.YamlDocuments;
import dev.jmesh.controlplane.internal.yaml.YamlNode;
import dev.jmesh.controlplane.internal.yaml.YamlTypeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns the text of one YAML file into typed resources. Each document stands alone: a broken
 * one is reported with its line and the others are still read.
 */
public final class ResourceParser {
  private ResourceParser() {}

  /** Namespace of a resource whose metadata gives none, as {@code kubectl apply} would. */
  public static final String DEFAULT_NAMESPACE = "default";

  private static final Set<String> NETWORKING =
      Set.of("networking.istio.io/v1", "networking.istio.io/v1beta1",
          "networking.istio.io/v1alpha3");
  private static final Set<String> SECURITY =
      Set.of("security.istio.io/v1", "security.istio.io/v1beta1");
  private static final Set<String> TELEMETRY =
      Set.of("telemetry.istio.io/v1", "telemetry.istio.io/v1alpha1");
  private static final Set<String> LATER_KINDS =
      Set.of("Gateway", "ProxyConfig",
          "WorkloadGroup", "WasmPlugin");

  /** Identity under which problems of {@code mesh.yaml} are reported. */
  public static final ResourceId MESH_ID = new ResourceId("MeshConfig", "", "");

  /** What one file held; {@code readable} is false when it was not YAML at all. */
  public record FileContents(
      List<ConfigResource> resources, List<Diagnostic> diagnostics, boolean readable) {}

  /** Parses a file of Istio and Kubernetes resources. */
  public static FileContents parseResources(String file, String text) {
    List<ConfigResource> resources = new ArrayList<>();
    List<Diagnostic> diagnostics = new ArrayList<>();
    List<YamlNode> documents;
    try {
      documents = YamlDocuments.parse(text);
    } catch (YamlDocuments.SyntaxException e) {
      diagnostics.add(Diagnostic.error(new Location(file, e.line()), null,
          "not valid YAML: " + e.getMessage() + "; no resource of this file was read"));
      return new FileContents(List.of(), diagnostics, false);
    }
    for (YamlNode doc : documents) {
      ConfigResource resource = parseDocument(file, doc, diagnostics);
      if (resource != null) {
        resources.add(resource);
      }
    }
    return new FileContents(resources, diagnostics, true);
  }

  /** Parses {@code mesh.yaml}; on failure the diagnostics say why and null is returned. */
  public static MeshConfig parseMeshConfig(String file, String text, List<Diagnostic> out) {
    try {
      List<YamlNode> docs = YamlDocuments.parse(text);
      if (docs.isEmpty()) {
        return MeshConfig.defaults();
      }
      if (docs.size() > 1) {
        out.add(Diagnostic.warning(new Location(file, docs.get(1).line()), MESH_ID,
            "only the first document is read"));
      }
      return MeshConfigParser.parse(docs.get(0), new Location(file, docs.get(0).line()));
    } catch (YamlDocuments.SyntaxException e) {
      out.add(Diagnostic.error(new Location(file, e.line()), MESH_ID,
          "not valid YAML: " + e.getMessage()));
    } catch (YamlTypeException e) {
      out.add(Diagnostic.error(new Location(file, e.line()), MESH_ID, e.getMessage()));
    }
    return null;
  }

  private static ConfigResource parseDocument(String file, YamlNode doc,
      List<Diagnostic> diagnostics) {
    Location location = new Location(file, doc.line());
    String kind = "";
    String name = "";
    String namespace = DEFAULT_NAMESPACE;
    try {
      if (!doc.isMap()) {
        throw new YamlTypeException(doc.line(), "a resource must be a map with apiVersion and kind");
      }
      String apiVersion = doc.get("apiVersion").requiredText("apiVersion");
      kind = doc.get("kind").requiredText("kind");
      YamlNode metadata = doc.get("metadata");
      name = metadata.get("name").text("metadata.name", "");
      if (name.isEmpty()) {
        throw new YamlTypeException(metadata.line(), "metadata.name is required");
      }
      namespace = metadata.get("namespace").text("metadata.namespace", DEFAULT_NAMESPACE);
      ResourceMeta meta = new ResourceMeta(
          apiVersion, kind, name, namespace,
          metadata.get("labels").stringMap("metadata.labels"),
          location);
      YamlNode spec = doc.get("spec");
      ConfigResource parsed = parseKind(meta, apiVersion, kind, doc, spec);
      if (parsed == null) {
        String why = LATER_KINDS.contains(kind)
            ? "is not supported yet and is ignored"
            : "is not a kind jmesh reads (" + apiVersion + "); it is ignored";
        diagnostics.add(Diagnostic.warning(location, meta.id(), kind + " " + why));
      }
      return parsed;
    } catch (YamlTypeException e) {
      diagnostics.add(Diagnostic.error(location.atLine(e.line()),
          new ResourceId(kind, namespace, name), e.getMessage()));
      return null;
    }
  }

  private static ConfigResource parseKind(ResourceMeta meta, String apiVersion, String kind,
      YamlNode doc, YamlNode spec) {
    if (NETWORKING.contains(apiVersion)) {
      switch (kind) {
        case "ServiceEntry":
          return NetworkingParser.serviceEntry(meta, spec);
        case "WorkloadEntry":
          return NetworkingParser.workloadEntry(meta, spec);
        case "VirtualService":
          return VirtualServiceParser.parse(meta, spec);
        case "DestinationRule":
          return NetworkingParser.destinationRule(meta, spec);
        case "Sidecar":
          return NetworkingParser.sidecar(meta, spec);
        case "EnvoyFilter":
          return EnvoyFilterParser.parse(meta, spec);
        default:
          return null;
      }
    }
    if (SECURITY.contains(apiVersion)) {
      switch (kind) {
        case "PeerAuthentication":
          return SecurityParser.peerAuthentication(meta, spec);
        case "AuthorizationPolicy":
          return SecurityParser.authorizationPolicy(meta, spec);
        case "RequestAuthentication":
          return TelemetryParser.requestAuthentication(meta, spec);
        default:
          return null;
      }
    }
    if (TELEMETRY.contains(apiVersion) && kind.equals("Telemetry")) {
      return TelemetryParser.telemetry(meta, spec);
    }
    if (apiVersion.equals("v1") && kind.equals("Service")) {
      return KubernetesParser.service(meta, spec);
    }
    if (apiVersion.equals("discovery.k8s.io/v1") && kind.equals("EndpointSlice")) {
      return KubernetesParser.endpointSlice(meta, doc);
    }
    if (apiVersion.startsWith("networking.istio.io/") || apiVersion.startsWith("security.istio.io/")) {
      throw new YamlTypeException(doc.get("apiVersion").line(),
          "apiVersion " + apiVersion + " is not supported; use v1, v1beta1"
              + (apiVersion.startsWith("networking") ? " or v1alpha3" : ""));
    }
    return null;
  }
}
