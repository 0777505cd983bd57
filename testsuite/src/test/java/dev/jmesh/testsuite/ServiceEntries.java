package dev.jmesh.testsuite;

import java.util.Locale;

/** The {@code ServiceEntry} YAML that tests of more than one path apply, as an operator writes it. */
public final class ServiceEntries {

  private ServiceEntries() {}

  /**
   * A {@code ServiceEntry} named {@code <host>-by-name} for {@code host:port} with {@code
   * resolution: NONE}: no addresses and no endpoints, a connection or request goes where the
   * application's own lookup of the name points. {@code portName} is Istio's port name ({@code
   * http}, {@code grpc}, {@code tcp}), and its protocol in capitals.
   */
  public static String resolvedByName(String host, int port, String portName) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: %s-by-name
          namespace: default
        spec:
          hosts:
          - %s
          location: MESH_EXTERNAL
          ports:
          - number: %d
            name: %s
            protocol: %s
          resolution: NONE
        """
        .formatted(host, host, port, portName, portName.toUpperCase(Locale.ROOT));
  }
}
