package dev.jmesh.testapps.httpclients;

import java.util.List;

/** The libraries this app can be started with, by the label the mesh counts them under. */
final class ClientLibraries {

  /** The HTTP clients: they speak to any HTTP server. */
  static final List<String> HTTP_NAMES =
      List.of(
          "jdk-httpclient",
          "jdk-urlconnection",
          "okhttp",
          "apache-httpclient-5",
          "apache-httpclient-5-async",
          "apache-httpclient-4",
          "reactor-netty",
          "webclient",
          "webclient-nio");

  /** grpc-java on its two Netty transports: they speak to gRPC servers only. */
  static final List<String> GRPC_NAMES = List.of("grpc", "grpc-netty-shaded");

  static final List<String> NAMES =
      java.util.stream.Stream.concat(HTTP_NAMES.stream(), GRPC_NAMES.stream()).toList();

  private ClientLibraries() {}

  static ClientLibrary create(String name) {
    return switch (name) {
      case "jdk-httpclient" -> new JdkHttpClientLibrary();
      case "jdk-urlconnection" -> new UrlConnectionLibrary();
      case "okhttp" -> new OkHttpLibrary();
      case "apache-httpclient-5" -> new ApacheClassic5Library();
      case "apache-httpclient-5-async" -> new ApacheAsync5Library();
      case "apache-httpclient-4" -> new ApacheClassic4Library();
      case "reactor-netty" -> new ReactorNettyLibrary();
      case "webclient" -> new WebClientLibrary(true);
      case "webclient-nio" -> new WebClientLibrary(false);
      case "grpc" -> new GrpcNettyLibrary();
      case "grpc-netty-shaded" -> new GrpcNettyShadedLibrary();
      default ->
          throw new IllegalArgumentException("unknown library " + name + "; one of " + NAMES);
    };
  }
}
