package dev.jmesh.testapps.bookinfo;

import java.util.Locale;

/**
 * Starts one bookinfo service: {@code java -jar bookinfo-app.jar <service> <bindHost> <port>},
 * service one of {@code productpage}, {@code details}, {@code reviews-v1}, {@code reviews-v2},
 * {@code reviews-v3}. It calls the others by their mesh names on the same port as its own, as
 * bookinfo's pods all serve 9080; it prints {@code READY <service> port=<port>} once bound and runs
 * until killed. Nothing here knows about the mesh: the agent routes, secures and counts the calls.
 */
public final class BookinfoApp {

  private BookinfoApp() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      usage("expected 3 arguments, got " + args.length);
    }
    String service = args[0].toLowerCase(Locale.ROOT);
    String bindHost = args[1];
    int port = parsePort(args[2]);
    int bound =
        switch (service) {
          case "productpage" -> ProductPage.start(bindHost, port);
          case "details" -> NettyHttpServer.start(bindHost, port, new Details());
          case "reviews-v1" -> ReviewsServers.tomcat(bindHost, port, Reviews.v1());
          case "reviews-v2" -> ReviewsServers.jetty(bindHost, port, Reviews.v2(port));
          case "reviews-v3" -> ReviewsServers.netty(bindHost, port, Reviews.v3(port));
          default -> {
            usage("unknown service '" + args[0] + "'");
            yield -1;
          }
        };
    System.out.println("READY " + service + " port=" + bound);
    Thread.currentThread().join();
  }

  private static int parsePort(String text) {
    try {
      int port = Integer.parseInt(text);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    usage("port '" + text + "' is not a number in 0-65535");
    return -1;
  }

  private static void usage(String problem) {
    System.err.println(
        "bookinfo-app: "
            + problem
            + "\nusage: java -jar bookinfo-app.jar"
            + " productpage|details|reviews-v1|reviews-v2|reviews-v3 BIND_HOST PORT");
    System.exit(2);
  }
}
