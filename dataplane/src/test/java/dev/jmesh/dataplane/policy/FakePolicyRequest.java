package dev.jmesh.dataplane.policy;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A {@link PolicyRequest} over a map, for tests. */
public final class FakePolicyRequest implements PolicyRequest {

  private final String method;
  private final String authority;
  private final String path;
  private final Map<String, String> headers = new HashMap<>();
  private PeerConnection connection = connection("10.1.2.3", 40000, "10.0.0.7", 9080, null);

  private FakePolicyRequest(String method, String authority, String path) {
    this.method = method;
    this.authority = authority;
    this.path = path;
  }

  public static FakePolicyRequest of(String method, String authority, String path) {
    return new FakePolicyRequest(method, authority, path);
  }

  public static FakePolicyRequest get(String path) {
    return new FakePolicyRequest("GET", "reviews:9080", path);
  }

  /** A connection from {@code remote}:{@code remotePort} to {@code local}:{@code localPort}. */
  public static PeerConnection connection(
      String remote, int remotePort, String local, int localPort, String peerPrincipal) {
    return new PeerConnection(
        new InetSocketAddress(remote, remotePort),
        new InetSocketAddress(local, localPort),
        peerPrincipal);
  }

  public FakePolicyRequest header(String name, String value) {
    headers.put(name.toLowerCase(Locale.ROOT), value);
    return this;
  }

  /** The request arrives over mutual TLS from {@code principal}. */
  public FakePolicyRequest from(String principal) {
    connection = new PeerConnection(connection.remote(), connection.local(), principal);
    return this;
  }

  /** The request arrives from {@code ip}. */
  public FakePolicyRequest fromIp(String ip) {
    connection =
        new PeerConnection(
            new InetSocketAddress(ip, 40000), connection.local(), connection.peerPrincipal());
    return this;
  }

  public FakePolicyRequest toPort(int port) {
    connection =
        new PeerConnection(
            connection.remote(),
            new InetSocketAddress(connection.local().getAddress(), port),
            connection.peerPrincipal());
    return this;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public String header(String lowerCaseName) {
    return headers.get(lowerCaseName);
  }

  @Override
  public PeerConnection connection() {
    return connection;
  }
}
