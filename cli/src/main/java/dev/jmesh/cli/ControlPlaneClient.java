package dev.jmesh.cli;

import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** GETs from the control plane's debug HTTP API ({@code --http-port}, 15014 by default). */
final class ControlPlaneClient {

  static final String DEFAULT_ADDRESS = "127.0.0.1:15014";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final String address;
  private final HttpClient http;

  ControlPlaneClient(String address) {
    this.address = address;
    // The debug API is on loopback or the cluster network: never through an HTTP_PROXY.
    this.http =
        HttpClient.newBuilder().proxy(ProxySelector.of(null)).connectTimeout(TIMEOUT).build();
  }

  String address() {
    return address;
  }

  /** The body of /debug/syncz: one entry per connected proxy or agent. */
  String syncz() {
    return get("/debug/syncz");
  }

  /** The body of /debug/config_dump for one node id. */
  String configDump(String proxyId) {
    return get("/debug/config_dump?proxyID=" + URLEncoder.encode(proxyId, StandardCharsets.UTF_8));
  }

  private String get(String pathAndQuery) {
    URI uri;
    try {
      uri = URI.create("http://" + address + pathAndQuery);
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(
          CommandFailure.USAGE,
          "mesh: '" + address + "' is not a HOST:PORT for the control plane: " + e.getMessage());
    }
    HttpResponse<String> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unreachable(
          e instanceof java.net.ConnectException
              ? "connection refused"
              : e.getClass().getSimpleName()
                  + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable("interrupted");
    }
    if (response.statusCode() != 200) {
      throw unreachable(
          "HTTP "
              + response.statusCode()
              + " for "
              + pathAndQuery
              + ": "
              + response.body().strip());
    }
    return response.body();
  }

  private CommandFailure unreachable(String why) {
    return new CommandFailure(
        CommandFailure.UNREACHABLE,
        "mesh: cannot read the control plane's debug HTTP API at http://"
            + address
            + " ("
            + why
            + ").\n"
            + "Is the control plane running? Give its HTTP address (its --http-port, default "
            + DEFAULT_ADDRESS
            + ") with --control-plane HOST:PORT or MESH_CONTROL_PLANE_HTTP=HOST:PORT.");
  }
}
