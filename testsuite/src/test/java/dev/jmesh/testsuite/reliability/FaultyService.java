package dev.jmesh.testsuite.reliability;

import java.util.List;

/**
 * The Istio YAML of the service the fault tests call, {@code catalog}: a Kubernetes Service whose
 * pods are unmeshed WorkloadEntries (so the DestinationRule turns mTLS off towards them), subsets
 * by {@code version}, the test's traffic policy, and a VirtualService whose first route answers a
 * probe header with 418 — which tells the test that this very config is in force on the client.
 */
final class FaultyService {

  static final String HOST = "catalog";
  static final int PORT = 9080;
  static final String FQDN = "catalog.default.svc.cluster.local";
  static final String PROBE_HEADER = "x-mesh-probe";

  /** One endpoint: the address the mesh sends to (a relay's) and the version label. */
  record Endpoint(String name, String ip, int port, String version) {}

  private FaultyService() {}

  static String url() {
    return "http://" + HOST + ":" + PORT + "/";
  }

  static String yaml(List<Endpoint> endpoints, String trafficPolicy, String probe, String routes) {
    StringBuilder yaml =
        new StringBuilder(
            """
            apiVersion: v1
            kind: Service
            metadata:
              name: catalog
              namespace: default
            spec:
              selector:
                app: catalog
              ports:
              - name: http
                port: %d
                targetPort: %d
            """
                .formatted(PORT, PORT));
    for (Endpoint e : endpoints) {
      yaml.append(
          """
          ---
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata:
            name: %s
            namespace: default
          spec:
            address: %s
            ports:
              http: %d
            labels:
              app: catalog
              version: %s
          """
              .formatted(e.name(), e.ip(), e.port(), e.version()));
    }
    yaml.append(
        """
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: catalog
          namespace: default
        spec:
          host: %s
          trafficPolicy:
            tls:
              mode: DISABLE
        %s
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: catalog
          namespace: default
        spec:
          hosts:
          - catalog
          http:
          - match:
            - headers:
                %s:
                  exact: %s
            fault:
              abort:
                httpStatus: 418
                percentage:
                  value: 100
            route:
            - destination:
                host: catalog
        %s
        """
            .formatted(
                FQDN,
                trafficPolicy.indent(4).stripTrailing(),
                PROBE_HEADER,
                probe,
                routes.indent(2).stripTrailing()));
    return yaml.toString();
  }
}
