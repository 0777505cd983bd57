package dev.jmesh.testsuite.direct;

import java.util.List;

/**
 * The Istio YAML of the client suite's service {@code reviews}, as an operator would write it: a
 * Kubernetes Service whose pods are {@link Backend}s declared as WorkloadEntries (unmeshed, so the
 * DestinationRule turns mTLS off towards them), subsets v1/v2, and each test's VirtualService.
 * Everything is one file, so a test's routes and traffic policy arrive together.
 */
final class ReviewsPolicies {

  static final String HOST = "reviews";
  static final int PORT = 9080;
  static final String FQDN = "reviews.default.svc.cluster.local";

  /** The header whose value names the test whose config is in force (see {@link #withProbe}). */
  static final String PROBE_HEADER = "x-mesh-probe";

  /** What a request carrying the running test's probe header gets once its config is in force. */
  static final int PROBE_STATUS = 418;

  private ReviewsPolicies() {}

  /** The service, its pods and the base DestinationRule plus {@code trafficPolicy} lines. */
  static String service(List<Backend> pods, String trafficPolicy) {
    return service(pods, trafficPolicy, "http");
  }

  /**
   * {@link #service(List, String)} with the service port named {@code portName} (Istio's protocol
   * selection: {@code http}, or {@code grpc} for pods that speak gRPC).
   */
  static String service(List<Backend> pods, String trafficPolicy, String portName) {
    StringBuilder yaml =
        new StringBuilder(
            """
            apiVersion: v1
            kind: Service
            metadata:
              name: reviews
              namespace: default
            spec:
              selector:
                app: reviews
              ports:
              - name: %s
                port: %d
                targetPort: %d
            """
                .formatted(portName, PORT, PORT));
    for (Backend pod : pods) {
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
              %s: %d
            labels:
              app: reviews
              version: %s
          """
              .formatted(pod.pod(), pod.ip(), portName, pod.port(), version(pod)));
    }
    yaml.append(
        """
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
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
        """
            .formatted(FQDN, trafficPolicy.indent(4).stripTrailing()));
    return yaml.toString();
  }

  /**
   * A VirtualService for {@code reviews} with the test's {@code routes} (the items of {@code
   * http:}) after a probe route: a request carrying {@code x-mesh-probe: <test>} is aborted with
   * 418, which tells the test that this very config is in force on the client.
   */
  static String withProbe(String test, String routes) {
    return withProbe(test, routes, PROBE_STATUS);
  }

  /**
   * {@link #withProbe(String, String)} aborting the probe with {@code probeStatus}: a status the
   * client can tell apart (a gRPC client sees only the gRPC status the HTTP status maps to).
   */
  static String withProbe(String test, String routes, int probeStatus) {
    return """
    ---
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata:
      name: reviews
      namespace: default
    spec:
      hosts:
      - reviews
      http:
      - match:
        - headers:
            %s:
              exact: %s
        fault:
          abort:
            httpStatus: %d
            percentage:
              value: 100
        route:
        - destination:
            host: reviews
            subset: v1
    %s
    """
        .formatted(PROBE_HEADER, test, probeStatus, routes.indent(2).stripTrailing());
  }

  /** One route to a subset, with optional extra lines (retries, timeout, fault, match). */
  static String routeTo(String subset, String extra) {
    return """
    - route:
      - destination:
          host: reviews
          subset: %s
    %s
    """
        .formatted(subset, extra.indent(2).stripTrailing());
  }

  private static String version(Backend pod) {
    return pod.pod().contains("-v2-") ? "v2" : "v1";
  }
}
