package dev.jmesh.proxy;

import dev.jmesh.dataplane.settings.BadSettingException;
import java.net.InetSocketAddress;

/**
 * One application port behind the proxy: the proxy listens on {@code listenPort} of the workload's
 * address (the service's target port, as the control plane knows it) and forwards what inbound
 * policy lets through to the application at {@code application}, normally on loopback.
 */
record InboundMapping(int listenPort, InetSocketAddress application) {

  /** {@code 9080=127.0.0.1:9081}; {@code origin} names the option or variable in errors. */
  static InboundMapping parse(String value, String origin) throws BadSettingException {
    String v = value.trim();
    int eq = v.indexOf('=');
    if (eq < 0) {
      throw OptionValues.bad(
          origin,
          value,
          "is not LISTEN_PORT=HOST:PORT; write e.g. 9080=127.0.0.1:9081 (the proxy listens on"
              + " 9080, the application on 127.0.0.1:9081), or use --app-port 9080");
    }
    int port = OptionValues.port(v.substring(0, eq), origin, value, "the listen port");
    return new InboundMapping(
        port,
        OptionValues.hostPort(v.substring(eq + 1), origin, value, "the application's address"));
  }

  /** {@code --app-port 9080}: the application listens on 127.0.0.1:9080, the proxy on 9080. */
  static InboundMapping appPort(String value, String origin) throws BadSettingException {
    int port = OptionValues.port(value, origin, value, "the application's port");
    return new InboundMapping(port, new InetSocketAddress("127.0.0.1", port));
  }
}
