package dev.jmesh.instrumentation.netty.server.v4_1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Headers.PseudoHeaderName;
import io.netty.util.AsciiString;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/2 view over headers as strict as grpc-netty's request headers, which take only {@code
 * AsciiString} names and values and no {@code set}.
 */
class Http2HeadersViewTest {

  @Test
  void readsAndChangesHeadersThatTakeOnlyAsciiStringNames() {
    Http2Headers headers = new AsciiOnly();
    headers.add(PseudoHeaderName.METHOD.value(), AsciiString.of("POST"));
    headers.add(PseudoHeaderName.PATH.value(), AsciiString.of("/mesh.Echo/Echo?x=1"));
    headers.add(PseudoHeaderName.AUTHORITY.value(), AsciiString.of("server-grpc:8080"));
    headers.add(AsciiString.of("x-forwarded-client-cert"), AsciiString.of("URI=spiffe://evil"));
    headers.add(AsciiString.of("te"), AsciiString.of("trailers"));
    Http2HeadersView view = new Http2HeadersView(headers, 9999);

    assertThat(view.method()).isEqualTo("POST");
    assertThat(view.host()).isEqualTo("server-grpc");
    assertThat(view.port()).isEqualTo(8080);
    assertThat(view.path()).isEqualTo("/mesh.Echo/Echo?x=1");
    assertThat(view.header("te")).isEqualTo("trailers");
    assertThat(view.contains("X-Forwarded-Client-Cert")).isTrue();

    view.remove("x-forwarded-client-cert");
    view.set("X-Jmesh-Inbound", "direct");
    view.add("x-jmesh-inbound", "again");
    assertThat(view.header("x-forwarded-client-cert")).isNull();
    assertThat(view.header("x-jmesh-inbound")).isEqualTo("direct,again");
  }

  @Test
  void withoutAnAuthorityTheConnectionsPortIsTheRequestsPort() {
    Http2Headers headers = new DefaultHttp2Headers().method("GET").path("/");
    Http2HeadersView view = new Http2HeadersView(headers, 9080);
    assertThat(view.host()).isEmpty();
    assertThat(view.port()).isEqualTo(9080);
  }

  /** Headers that refuse {@code String} names and {@code set}, as grpc-netty's request headers. */
  private static final class AsciiOnly extends DefaultHttp2Headers {
    private static CharSequence ascii(CharSequence name) {
      if (!(name instanceof AsciiString)) {
        throw new IllegalArgumentException("AsciiString expected. Was: " + name.getClass());
      }
      return name;
    }

    @Override
    public CharSequence get(CharSequence name) {
      return super.get(ascii(name));
    }

    @Override
    public List<CharSequence> getAll(CharSequence name) {
      return super.getAll(ascii(name));
    }

    @Override
    public boolean contains(CharSequence name) {
      return super.contains(ascii(name));
    }

    @Override
    public boolean remove(CharSequence name) {
      return super.remove(ascii(name));
    }

    @Override
    public Http2Headers add(CharSequence name, CharSequence value) {
      return super.add(ascii(name), ascii(value));
    }

    @Override
    public Http2Headers set(CharSequence name, CharSequence value) {
      throw new UnsupportedOperationException("set");
    }
  }
}
