package dev.jmesh.controlplane.internal.config;

import static dev.jmesh.controlplane.internal.config.Fields.fail;

import dev.jmesh.controlplane.config.EndpointSlice;
import dev.jmesh.controlplane.config.KubernetesService;
import dev.jmesh.controlplane.config.ResourceMeta;
import dev.jmesh.controlplane.config.ServicePort;
import dev.jmesh.controlplane.internal.yaml.YamlNode;
import java.util.ArrayList;
import java.util.List;

/** Parses Kubernetes {@code v1/Service} and {@code discovery.k8s.io/v1/EndpointSlice}. */
final class KubernetesParser {
  private KubernetesParser() {}

  static KubernetesService service(ResourceMeta meta, YamlNode spec) {
    List<ServicePort> ports = new ArrayList<>();
    for (YamlNode p : spec.get("ports").items("ports")) {
      int port = Fields.port(p.get("port"), "ports.port");
      if (port == 0) {
        throw fail(p, "ports: port is required");
      }
      // targetPort may be a named container port; only numbers can be used without Pods.
      YamlNode target = p.get("targetPort");
      int targetPort = 0;
      String targetText = target.text("ports.targetPort");
      if (targetText != null && targetText.chars().allMatch(Character::isDigit)) {
        targetPort = Fields.port(target, "ports.targetPort");
      }
      String name = p.get("name").text("ports.name", "");
      String appProtocol = p.get("appProtocol").text("ports.appProtocol");
      String protocol = ServicePort.protocolFromName(name, appProtocol);
      if ("UDP".equalsIgnoreCase(p.get("protocol").text("ports.protocol", "TCP"))) {
        protocol = "UDP";
      }
      ports.add(new ServicePort(port, name, protocol, targetPort));
    }
    return new KubernetesService(
        meta,
        spec.get("selector").stringMap("selector"),
        ports,
        spec.get("clusterIP").text("clusterIP", ""),
        spec.get("type").text("type", "ClusterIP"),
        spec.get("externalName").text("externalName", ""));
  }

  static EndpointSlice endpointSlice(ResourceMeta meta, YamlNode doc) {
    String service = meta.labels().get("kubernetes.io/service-name");
    if (service == null || service.isEmpty()) {
      throw fail(doc.get("metadata"),
          "metadata.labels: kubernetes.io/service-name is required to tie the slice to a Service");
    }
    List<EndpointSlice.Port> ports = new ArrayList<>();
    for (YamlNode p : doc.get("ports").items("ports")) {
      ports.add(new EndpointSlice.Port(
          p.get("name").text("ports.name", ""),
          Fields.port(p.get("port"), "ports.port"),
          p.get("protocol").text("ports.protocol", "TCP")));
    }
    List<EndpointSlice.Endpoint> endpoints = new ArrayList<>();
    for (YamlNode e : doc.get("endpoints").items("endpoints")) {
      List<String> addresses = e.get("addresses").texts("endpoints.addresses");
      if (addresses.isEmpty()) {
        throw fail(e, "endpoints: addresses is required");
      }
      endpoints.add(new EndpointSlice.Endpoint(
          addresses,
          e.path("conditions", "ready").boolValue("endpoints.conditions.ready", true),
          e.get("zone").text("endpoints.zone", ""),
          e.get("nodeName").text("endpoints.nodeName", ""),
          e.path("targetRef", "name").text("endpoints.targetRef.name", ""),
          e.line()));
    }
    return new EndpointSlice(meta, service, doc.get("addressType").text("addressType", "IPv4"),
        ports, endpoints);
  }
}
