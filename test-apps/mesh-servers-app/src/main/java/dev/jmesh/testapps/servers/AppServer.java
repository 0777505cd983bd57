package dev.jmesh.testapps.servers;

/** One server kind: binds, reports the port its own API says it bound, and stops gracefully. */
interface AppServer {

  /** Binds {@code host:port} (0 for ephemeral) and returns the port the server reports. */
  int start(String bindHost, int port) throws Exception;

  /** Stops accepting, lets in-flight requests finish (bounded), then releases everything. */
  void stopGracefully() throws Exception;
}
