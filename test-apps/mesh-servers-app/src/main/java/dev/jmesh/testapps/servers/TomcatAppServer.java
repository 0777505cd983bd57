package dev.jmesh.testapps.servers;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.websocket.server.WsSci;

/**
 * {@code tomcat}: embedded Tomcat 11 with the shared servlet, h2c (upgrade and prior knowledge)
 * through {@link Http2Protocol}, and a jakarta.websocket echo endpoint at {@code /ws}.
 */
final class TomcatAppServer implements AppServer {

  private final InFlight inFlight = new InFlight();
  private Path baseDir;
  private Tomcat tomcat;
  private Connector connector;

  @Override
  public int start(String bindHost, int port) throws Exception {
    tomcat = new Tomcat();
    baseDir = Files.createTempDirectory("mesh-tomcat");
    tomcat.setBaseDir(baseDir.toString());
    connector = new Connector();
    connector.setProperty("address", bindHost);
    connector.setPort(port);
    connector.addUpgradeProtocol(new Http2Protocol());
    tomcat.getService().addConnector(connector);
    tomcat.setConnector(connector);

    Context context = tomcat.addContext("", null);
    Tomcat.addServlet(context, "report", new ReportServlet("tomcat", inFlight));
    context.addServletMappingDecoded("/", "report");
    context.addServletContainerInitializer(new WsSci(), null);
    context.addApplicationListener(EchoEndpointRegistrar.class.getName());
    tomcat.start();
    return connector.getLocalPort();
  }

  @Override
  public void stopGracefully() throws Exception {
    // Tomcat's stop() does not wait for requests, so stop accepting first and wait for them.
    connector.pause();
    inFlight.awaitIdle();
    tomcat.stop();
    tomcat.destroy();
    // Tomcat's work directory is scratch; many forked runs should not pile them up in /tmp.
    try (Stream<Path> files = Files.walk(baseDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  /** Registers {@link TomcatEchoEndpoint} once the WebSocket container exists. */
  public static final class EchoEndpointRegistrar implements ServletContextListener {

    @Override
    public void contextInitialized(ServletContextEvent event) {
      ServerContainer container =
          (ServerContainer) event.getServletContext().getAttribute(ServerContainer.class.getName());
      try {
        container.addEndpoint(
            ServerEndpointConfig.Builder.create(TomcatEchoEndpoint.class, "/ws").build());
      } catch (DeploymentException e) {
        throw new IllegalStateException("cannot deploy /ws", e);
      }
    }
  }
}
