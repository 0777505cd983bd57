package dev.jmesh.instrumentation.okhttp.v3_9;

import static org.assertj.core.api.Assertions.assertThat;

import okhttp3.HttpUrl;
import okhttp3.Request;
import org.junit.jupiter.api.Test;

class OkHttpMeshRequestTest {

  @Test
  void thePathIsTheEncodedPathAndQueryOkHttpSends() {
    HttpUrl withUserInfo =
        HttpUrl.parse("http://h:8080/x/y?q=1#frag")
            .newBuilder()
            .username("us/er")
            .password("p@ss/word?")
            .build();
    HttpUrl[] urls = {
      HttpUrl.parse("http://reviews:9080/download?bytes=1024"),
      HttpUrl.parse("http://reviews/"),
      HttpUrl.parse("http://reviews"),
      HttpUrl.parse("http://reviews:9080/a/b/"),
      HttpUrl.parse("http://reviews/p?"),
      HttpUrl.parse("http://reviews/p?a=1&b=%20x&c"),
      HttpUrl.parse("http://reviews/p%2Fq/r?x=/y#z"),
      HttpUrl.parse("http://[::1]:9080/v6?x=1"),
      HttpUrl.parse("https://reviews/s?x#f"),
      withUserInfo
    };
    for (HttpUrl url : urls) {
      String query = url.encodedQuery();
      String expected = query == null ? url.encodedPath() : url.encodedPath() + '?' + query;
      String path = new OkHttpMeshRequest(new Request.Builder().url(url).build()).path();
      assertThat(path).as(url.toString()).isEqualTo(expected);
    }
  }
}
