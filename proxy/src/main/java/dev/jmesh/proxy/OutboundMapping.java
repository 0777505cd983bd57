package dev.jmesh.proxy;

import dev.jmesh.dataplane.settings.BadSettingException;
import java.net.InetSocketAddress;

/**
 * A local port for one mesh destination: connections to {@code local} go to {@code host:port}
 * through the mesh, as if the application had called {@code host:port} itself.
 */
record OutboundMapping(String host, int port, InetSocketAddress local) {

  /** {@code reviews:9080=127.0.0.1:19080}; a bare local port means loopback. */
  static OutboundMapping parse(String value, String origin) throws BadSettingException {
    String v = value.trim();
    int eq = v.indexOf('=');
    if (eq < 0) {
      throw OptionValues.bad(
          origin,
          value,
          "is not SERVICE:PORT=LOCAL_HOST:LOCAL_PORT; write e.g. reviews:9080=127.0.0.1:19080");
    }
    String destination = v.substring(0, eq).trim();
    int colon = destination.lastIndexOf(':');
    if (colon <= 0) {
      throw OptionValues.bad(
          origin, value, "names no destination SERVICE:PORT before '='; write e.g. reviews:9080");
    }
    String host = destination.substring(0, colon);
    int port =
        OptionValues.port(destination.substring(colon + 1), origin, value, "the service port");
    String local = v.substring(eq + 1).trim();
    InetSocketAddress at =
        local.indexOf(':') < 0
            ? new InetSocketAddress(
                "127.0.0.1", OptionValues.port(local, origin, value, "the local port", true))
            : OptionValues.hostPort(local, origin, value, "the local address", true);
    return new OutboundMapping(host, port, at);
  }

  String destination() {
    return host + ":" + port;
  }
}
