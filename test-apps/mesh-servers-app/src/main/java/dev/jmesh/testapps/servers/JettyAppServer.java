package dev.jmesh.testapps.servers;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.server.config.JettyWebSocketServletContainerInitializer;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;

/**
 * {@code jetty}: Jetty 12 with an ee10 servlet context. One connector speaks HTTP/1.1 and h2c (both
 * the Upgrade dance and prior knowledge); {@code /ws} is a Jetty-API WebSocket echo.
 */
final class JettyAppServer implements AppServer {

  private Server server;

  @Override
  public int start(String bindHost, int port) throws Exception {
    server = new Server();
    HttpConfiguration config = new HttpConfiguration();
    ServerConnector connector =
        new ServerConnector(
            server, new HttpConnectionFactory(config), new HTTP2CServerConnectionFactory(config));
    connector.setHost(bindHost);
    connector.setPort(port);
    server.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler("/");
    context.addServlet(new ReportServlet("jetty", new InFlight()), "/");
    JettyWebSocketServletContainerInitializer.configure(
        context,
        (servletContext, ws) -> ws.addMapping("/ws", (req, resp) -> new JettyEchoSocket()));
    // GracefulHandler lets stop() wait (up to the stop timeout) for requests already being served.
    server.setHandler(new GracefulHandler(context));
    server.setStopTimeout(InFlight.GRACE_MILLIS);
    server.start();
    return connector.getLocalPort();
  }

  @Override
  public void stopGracefully() throws Exception {
    server.stop();
  }
}
