package dev.jmesh.dataplane.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class Http2StreamRequestsTest {

  private static HttpRequest post() {
    HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/reviews");
    post.headers().set("x-http2-stream-id", "3").set("x-http2-scheme", "http").set("host", "r:1");
    return post;
  }

  @Test
  void aBodyOfUnknownLengthGoesOnChunkedWithoutTheCodecsHeaders() {
    HttpRequest post = post();
    Http2StreamRequests.asHttp1(post, true);
    assertThat(post.headers().names()).containsExactlyInAnyOrder("host", "transfer-encoding");
    Http2StreamRequests.asHttp1(post, true);
    assertThat(post.headers().getAll("transfer-encoding")).containsExactly("chunked");
  }

  @Test
  void aSizedBodyKeepsItsLength() {
    HttpRequest sized = post();
    sized.headers().set("content-length", "5");
    Http2StreamRequests.asHttp1(sized, true);
    assertThat(sized.headers().names()).containsExactlyInAnyOrder("host", "content-length");
  }

  @Test
  void aStreamThatEndedWithItsHeadersHasNoBodyToFrame() {
    HttpRequest get = post();
    Http2StreamRequests.asHttp1(get, false);
    assertThat(get.headers().names()).containsExactly("host");
  }
}
