package dev.jmesh.instrumentation.netty.server.v4_1;

import dev.jmesh.bootstrap.MeshHeaders;
import dev.jmesh.bootstrap.MeshRequest;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/2 stream's headers as the mesh reads and changes them: the request's pseudo-headers
 * ({@code :method}, {@code :authority}, {@code :path}) for {@link MeshRequest}, and lower-case
 * names for {@link MeshHeaders}, as HTTP/2 requires. Names and values are {@code AsciiString}s and
 * a value is replaced by remove-then-add: grpc-netty's own request headers accept nothing else.
 */
final class Http2HeadersView implements MeshRequest, MeshHeaders {

  private static final AsciiString HOST = AsciiString.cached("host");

  private final Http2Headers headers;
  private final int localPort;

  Http2HeadersView(Http2Headers headers, int localPort) {
    this.headers = headers;
    this.localPort = localPort;
  }

  @Override
  public String method() {
    CharSequence m = headers.method();
    return m == null ? "" : m.toString();
  }

  @Override
  public String host() {
    String a = authority();
    int colon = portColon(a);
    return colon < 0 ? a : a.substring(0, colon);
  }

  @Override
  public int port() {
    String a = authority();
    int colon = portColon(a);
    if (colon >= 0) {
      try {
        return Integer.parseInt(a.substring(colon + 1));
      } catch (NumberFormatException e) {
        return localPort;
      }
    }
    return localPort;
  }

  private String authority() {
    CharSequence a = headers.authority();
    if (a == null) {
      a = headers.get(HOST);
    }
    return a == null ? "" : a.toString();
  }

  /**
   * A header's value from headers that may not support lookups (grpc-netty's outbound ones only
   * iterate); {@code null} when absent.
   */
  static CharSequence find(Http2Headers headers, AsciiString name) {
    if (headers instanceof DefaultHttp2Headers) {
      return headers.get(name);
    }
    for (Map.Entry<CharSequence, CharSequence> h : headers) {
      if (name.contentEqualsIgnoreCase(h.getKey())) {
        return h.getValue();
      }
    }
    return null;
  }

  private static int portColon(String host) {
    int colon = host.lastIndexOf(':');
    return colon > host.lastIndexOf(']') ? colon : -1;
  }

  @Override
  public String path() {
    CharSequence p = headers.path();
    return p == null ? "" : p.toString();
  }

  @Override
  public String header(String lowerCaseName) {
    List<CharSequence> values = headers.getAll(AsciiString.of(lowerCaseName));
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() == 1) {
      return values.get(0).toString();
    }
    return String.join(",", values);
  }

  @Override
  public boolean contains(String name) {
    return headers.contains(lower(name));
  }

  @Override
  public void set(String name, String value) {
    AsciiString n = lower(name);
    headers.remove(n);
    headers.add(n, AsciiString.of(value));
  }

  @Override
  public void add(String name, String value) {
    headers.add(lower(name), AsciiString.of(value));
  }

  @Override
  public void remove(String name) {
    headers.remove(lower(name));
  }

  private static AsciiString lower(String name) {
    return AsciiString.of(name.toLowerCase(Locale.ROOT));
  }
}
