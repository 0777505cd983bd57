package dev.jmesh.testapps.bookinfo;

import java.nio.file.Files;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The three servers reviews runs on, one per version, so the mesh meets each kind. */
final class ReviewsServers {

  private ReviewsServers() {}

  static int tomcat(String bindHost, int port, Responder reviews) throws Exception {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("bookinfo-tomcat").toString());
    Connector connector = new Connector();
    connector.setProperty("address", bindHost);
    connector.setPort(port);
    tomcat.getService().addConnector(connector);
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", null);
    Tomcat.addServlet(context, "reviews", new ReviewsServlet(reviews));
    context.addServletMappingDecoded("/", "reviews");
    tomcat.start();
    return connector.getLocalPort();
  }

  static int jetty(String bindHost, int port, Responder reviews) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(bindHost);
    connector.setPort(port);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    context.addServlet(new ServletHolder(new ReviewsServlet(reviews)), "/");
    server.setHandler(context);
    server.start();
    return connector.getLocalPort();
  }

  static int netty(String bindHost, int port, Responder reviews) throws InterruptedException {
    return NettyHttpServer.start(bindHost, port, reviews);
  }
}
