package dev.jmesh.testapps.httpclients;

import java.util.List;

/** The libraries this app can be started with, by the label the mesh counts them under. */
final class ClientLibraries {

  static final List<String> NAMES =
      List.of(
          "jdk-httpclient",
          "jdk-urlconnection",
          "okhttp",
          "apache-httpclient-5",
          "apache-httpclient-5-async",
          "apache-httpclient-4",
          "grpc",
          "grpc-netty-shaded");

  private ClientLibraries() {}

  static ClientLibrary create(String name) {
    return switch (name) {
      case "jdk-httpclient" -> new JdkHttpClientLibrary();
      case "jdk-urlconnection" -> new UrlConnectionLibrary();
      case "okhttp" -> new OkHttpLibrary();
      case "apache-httpclient-5" -> new ApacheClassic5Library();
      case "apache-httpclient-5-async" -> new ApacheAsync5Library();
      case "apache-httpclient-4" -> new ApacheClassic4Library();
      case "grpc" -> new GrpcNettyLibrary();
      case "grpc-netty-shaded" -> new GrpcNettyShadedLibrary();
      default ->
          throw new IllegalArgumentException("unknown library " + name + "; one of " + NAMES);
    };
  }
}
