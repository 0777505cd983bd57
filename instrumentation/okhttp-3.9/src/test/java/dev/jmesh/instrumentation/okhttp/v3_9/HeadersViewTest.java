package dev.jmesh.instrumentation.okhttp.v3_9;

import static org.assertj.core.api.Assertions.assertThat;

import okhttp3.Headers;
import org.junit.jupiter.api.Test;

/** Runs once per OkHttp line: 3.9 sets mesh values with {@code set}, 3.14+ without the check. */
class HeadersViewTest {

  @Test
  void aMeshValueReplacesEveryValueOfItsHeaderAndKeepsTheOthers() {
    Headers original =
        Headers.of("X-Request-Id", "app-1", "accept", "*/*", "x-request-id", "app-2");
    HeadersView view = new HeadersView(original);

    view.setMeshValue("x-request-id", "mesh-1");
    view.setMeshValue("x-envoy-peer-metadata", "ChQKBE5BTUUSDBoKcHJvZHVjdHBhZ2U=");

    Headers edited = view.headers();
    assertThat(view.changed()).isTrue();
    assertThat(edited.values("x-request-id")).containsExactly("mesh-1");
    assertThat(edited.get("accept")).isEqualTo("*/*");
    assertThat(edited.get("x-envoy-peer-metadata")).isEqualTo("ChQKBE5BTUUSDBoKcHJvZHVjdHBhZ2U=");
    // The application's headers are immutable and stay as they were.
    assertThat(original.values("x-request-id")).containsExactly("app-1", "app-2");
  }

  @Test
  void headersNothingChangedAreTheOriginalOnes() {
    Headers original = Headers.of("content-type", "text/plain", "content-length", "4");
    HeadersView view = new HeadersView(original);

    // What a response from an unmeshed server sees: the peer metadata removed, absent anyway.
    view.remove("x-envoy-peer-metadata");
    view.remove("x-envoy-peer-metadata-id");

    assertThat(view.changed()).isFalse();
    assertThat(view.headers()).isSameAs(original);
    assertThat(view.contains("Content-Type")).isTrue();
  }

  @Test
  void aRemovalOfAPresentHeaderIsAChange() {
    Headers original = Headers.of("x-envoy-peer-metadata", "abc", "content-length", "4");
    HeadersView view = new HeadersView(original);

    view.remove("X-Envoy-Peer-Metadata");

    assertThat(view.changed()).isTrue();
    assertThat(view.contains("x-envoy-peer-metadata")).isFalse();
    assertThat(view.headers().names()).containsExactly("content-length");
  }
}
