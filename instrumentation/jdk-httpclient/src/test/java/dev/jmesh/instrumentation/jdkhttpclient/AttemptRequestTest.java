package dev.jmesh.instrumentation.jdkhttpclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AttemptRequestTest {

  private static final HttpRequest APP =
      HttpRequest.newBuilder(URI.create("http://reviews:9080/reviews/1"))
          .header("accept", "*/*")
          .timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString("{}"))
          .build();

  @Test
  void anAttemptIsTheApplicationsRequestWithTheRoutesHeadersAndItsTimeout() {
    HeaderEdits edits = new HeaderEdits(APP.headers());
    edits.setMeshValue("x-envoy-peer-metadata", "ChQKBE5BTUUSDBoKcHJvZHVjdHBhZ2U=");
    edits.set("x-route", "added");

    HttpRequest attempt = new AttemptRequest(APP, edits, 2_000_000_000L, null);

    assertThat(attempt.method()).isEqualTo("POST");
    assertThat(attempt.uri()).isEqualTo(APP.uri());
    assertThat(attempt.bodyPublisher()).isEqualTo(APP.bodyPublisher());
    assertThat(attempt.timeout()).contains(Duration.ofSeconds(2));
    assertThat(attempt.headers().map().keySet())
        .containsExactlyInAnyOrder("accept", "x-envoy-peer-metadata", "x-route");
  }

  @Test
  void headersTheClientWouldRefuseAreLeftOutAsTheBuilderLeftThemOut() {
    HeaderEdits edits = new HeaderEdits(APP.headers());
    edits.set("Host", "elsewhere"); // the client writes its own
    edits.set("x-bad", "line\nbreak"); // a value no request may carry

    HttpRequest attempt = new AttemptRequest(APP, edits, 0, null);

    assertThat(attempt.headers().map().keySet()).containsExactly("accept");
    assertThat(attempt.timeout()).isEqualTo(APP.timeout());
  }

  @Test
  void withoutChangesTheApplicationsHeadersAreUsedAsTheyAre() {
    HttpRequest attempt = new AttemptRequest(APP, new HeaderEdits(APP.headers()), 0, null);

    assertThat(attempt.headers()).isSameAs(APP.headers());
  }
}
