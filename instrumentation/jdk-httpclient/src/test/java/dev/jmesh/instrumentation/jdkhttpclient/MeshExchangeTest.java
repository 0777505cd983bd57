package dev.jmesh.instrumentation.jdkhttpclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshExchangeTest {

  @Test
  void theRecordsResponseSizeIsTheContentLengthOrZero() {
    assertThat(MeshExchange.contentLength(headers(Map.of("Content-Length", List.of("1024")))))
        .isEqualTo(1024);
    assertThat(MeshExchange.contentLength(headers(Map.of()))).isZero();
    // Counted as unknown rather than failing the response the application already has.
    assertThat(MeshExchange.contentLength(headers(Map.of("content-length", List.of("12x")))))
        .isZero();
    assertThat(MeshExchange.contentLength(headers(Map.of("content-length", List.of("-5")))))
        .isZero();
  }

  private static HttpHeaders headers(Map<String, List<String>> map) {
    return HttpHeaders.of(map, (n, v) -> true);
  }
}
