package dev.jmesh.instrumentation.jdkhttpclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderEditsTest {

  private static final HttpHeaders RESPONSE =
      HttpHeaders.of(
          Map.of("content-type", List.of("text/plain"), "content-length", List.of("4")),
          (name, value) -> true);

  @Test
  void headersNothingChangedAreTheOriginalOnes() {
    HeaderEdits edits = new HeaderEdits(RESPONSE);

    // What a response from an unmeshed server sees: the peer metadata removed, absent anyway.
    edits.remove("x-envoy-peer-metadata");
    edits.remove("x-envoy-peer-metadata-id");

    assertThat(edits.changed()).isFalse();
    assertThat(edits.toHttpHeaders()).isSameAs(RESPONSE);
    assertThat(edits.contains("Content-Type")).isTrue();
  }

  @Test
  void changesAreMadeOnACopy() {
    HeaderEdits edits = new HeaderEdits(RESPONSE);

    edits.remove("Content-Type");
    edits.setMeshValue("x-request-id", "mesh-1");
    edits.add("x-request-id", "mesh-2");

    assertThat(edits.changed()).isTrue();
    HttpHeaders edited = edits.toHttpHeaders();
    assertThat(edited.map().keySet()).containsExactlyInAnyOrder("content-length", "x-request-id");
    assertThat(edited.allValues("x-request-id")).containsExactly("mesh-1", "mesh-2");
    assertThat(RESPONSE.firstValue("content-type")).contains("text/plain");
  }
}
