package dev.jmesh.testsuite.engine;

/** Istio YAML the engine tests apply, as an operator would write it. */
public final class MeshPolicies {

  private MeshPolicies() {}

  public static String peerAuthentication(String app, String mode) {
    return """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata:
          name: %s-mtls
          namespace: default
        spec:
          selector:
            matchLabels:
              app: %s
          mtls:
            mode: %s
        """
        .formatted(app, app, mode);
  }

  /**
   * A service whose only endpoint is the recording relay in front of the server, so the meshed
   * client's traffic to it crosses the relay; the relay's workload claims the server's identity,
   * which is what the client's mTLS then checks.
   */
  static String relayedService(int servicePort, String portName, int relayPort, String tls) {
    return """
        apiVersion: v1
        kind: Service
        metadata:
          name: relayed
          namespace: default
        spec:
          selector:
            app: relayed
          ports:
          - name: %s
            port: %d
            targetPort: %d
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: relay
          namespace: default
        spec:
          address: 127.0.0.1
          serviceAccount: server
          labels:
            app: relayed
            security.istio.io/tlsMode: istio
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: relayed
          namespace: default
        spec:
          host: relayed.default.svc.cluster.local
          trafficPolicy:
            tls:
              mode: %s
        """
        .formatted(portName, servicePort, relayPort, tls);
  }

  static String authorization(String name, String app, String action, String rules) {
    return """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata:
          name: %s
          namespace: default
        spec:
          selector:
            matchLabels:
              app: %s
          action: %s
        %s
        """
        .formatted(name, app, action, rules.indent(2).stripTrailing());
  }
}
