package dev.jmesh.instrumentation.okhttp.v3_9;

import static org.assertj.core.api.Assertions.assertThat;

import okhttp3.Headers;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * Runs once per OkHttp line (3.9, 3.14, 4.12, 5.3): each keeps a builder's headers where {@link
 * BuilderHeaders} finds them, so a direct attempt's header changes are written in place. Should a
 * later line move them, this fails, and the direct path still works the copying way.
 */
class BuilderHeadersTest {

  @Test
  void changesWrittenIntoARequestBuildersOwnHeadersAreInTheRequestItBuilds() {
    Request original =
        new Request.Builder().url("http://reviews:9080/r").header("Accept", "*/*").build();
    Request.Builder attempt = original.newBuilder();
    Headers.Builder own = BuilderHeaders.of(attempt);
    assertThat(own).as("the request builder's own headers").isNotNull();

    HeadersView view = new HeadersView(own);
    view.set("Host", "reviews:9080");
    view.setMeshValue("x-request-id", "mesh-1");
    Request built = attempt.build();

    assertThat(built.header("Host")).isEqualTo("reviews:9080");
    assertThat(built.header("x-request-id")).isEqualTo("mesh-1");
    assertThat(built.header("Accept")).isEqualTo("*/*");
    // The application's request is not touched.
    assertThat(original.headers().names()).containsExactly("Accept");
  }

  @Test
  void changesWrittenIntoAResponseBuildersOwnHeadersAreInTheResponseItBuilds() {
    Request request = new Request.Builder().url("http://reviews:9080/r").build();
    Response received =
        new Response.Builder()
            .request(request)
            .protocol(Protocol.HTTP_1_1)
            .code(200)
            .message("OK")
            .header("x-envoy-peer-metadata", "abc")
            .header("content-type", "text/plain")
            .build();
    Response.Builder shown = received.newBuilder();
    Headers.Builder own = BuilderHeaders.of(shown);
    assertThat(own).as("the response builder's own headers").isNotNull();

    new HeadersView(own).remove("X-Envoy-Peer-Metadata");

    assertThat(shown.build().headers().names()).containsExactly("content-type");
    assertThat(received.header("x-envoy-peer-metadata")).isEqualTo("abc");
  }
}
