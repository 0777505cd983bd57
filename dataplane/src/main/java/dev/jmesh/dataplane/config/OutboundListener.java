package dev.jmesh.dataplane.config;

import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.route.RouteTable;
import dev.jmesh.dataplane.trace.Tracing;

/**
 * A compiled outbound listener: one per service {@code host:port}, holding an {@code api_listener}
 * HTTP connection manager.
 *
 * @param name the listener name, the service's {@code host:port}
 * @param routeConfigName the RDS name it routes with, {@code null} for an inline route config
 * @param routeTable the route table in force, {@code null} while RDS has not delivered it
 * @param stripAnyHostPort the connection manager's {@code strip_any_host_port}
 * @param accessLog the connection manager's access logs, {@code null} for none
 * @param tracing the connection manager's tracing, {@code null} for none
 */
public record OutboundListener(
    String name,
    String routeConfigName,
    RouteTable routeTable,
    boolean stripAnyHostPort,
    AccessLog accessLog,
    Tracing tracing)
    implements ListenerConfig {

  /** A listener that traces nothing. */
  public OutboundListener(
      String name,
      String routeConfigName,
      RouteTable routeTable,
      boolean stripAnyHostPort,
      AccessLog accessLog) {
    this(name, routeConfigName, routeTable, stripAnyHostPort, accessLog, null);
  }

  /** A listener that logs nothing. */
  public OutboundListener(
      String name, String routeConfigName, RouteTable routeTable, boolean stripAnyHostPort) {
    this(name, routeConfigName, routeTable, stripAnyHostPort, null, null);
  }

  OutboundListener withRouteTable(RouteTable table) {
    return new OutboundListener(
        name,
        routeConfigName,
        table == null
            ? null
            : table.withStripAnyHostPort(stripAnyHostPort || table.stripsAnyHostPort()),
        stripAnyHostPort,
        accessLog,
        tracing);
  }
}
