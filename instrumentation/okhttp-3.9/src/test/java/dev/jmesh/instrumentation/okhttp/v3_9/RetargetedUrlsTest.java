package dev.jmesh.instrumentation.okhttp.v3_9;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.bootstrap.MeshEndpointAddress;
import java.net.InetAddress;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

class RetargetedUrlsTest {

  @Test
  void anAttemptGoesToTheEndpointWithThePathAndQueryKept() throws Exception {
    MeshEndpointAddress endpoint = new MeshEndpointAddress(InetAddress.getByName("10.0.0.7"), 9081);
    HttpUrl url = HttpUrl.parse("http://reviews:9080/reviews/1?user=jason%20x");

    HttpUrl first = RetargetedUrls.of(url, endpoint);
    assertThat(first.toString()).isEqualTo("http://10.0.0.7:9081/reviews/1?user=jason%20x");

    // The same URL again, as a new object (applications build one per call): nothing rebuilt.
    assertThat(RetargetedUrls.of(HttpUrl.parse(url.toString()), endpoint)).isSameAs(first);

    HttpUrl other = RetargetedUrls.of(HttpUrl.parse("http://reviews:9080/reviews/2"), endpoint);
    assertThat(other.toString()).isEqualTo("http://10.0.0.7:9081/reviews/2");

    MeshEndpointAddress v6 = new MeshEndpointAddress(InetAddress.getByName("fd00::7"), 9081);
    assertThat(RetargetedUrls.of(url, v6).toString())
        .isEqualTo("http://[fd00::7]:9081/reviews/1?user=jason%20x");
  }
}
