package dev.jmesh.testapps.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestReportTest {

  @Test
  void listsFactsThenLowerCasedHeadersSortedWithDashesForMissingOnes() {
    String report =
        RequestReport.render(
            "jdk",
            "GET",
            "/p?q=1",
            "HTTP/1.1",
            "10.0.0.1:4000",
            null,
            List.of(Map.entry("User-Agent", "t"), Map.entry("Host", "svc:80")));
    assertThat(report)
        .isEqualTo(
            "kind=jdk\nmethod=GET\npath=/p?q=1\nhost=svc:80\nxff=-\nxfcc=-\n"
                + "peer=10.0.0.1:4000\nprotocol=HTTP/1.1\n"
                + "header:host=svc:80\nheader:user-agent=t\n");
  }

  @Test
  void hostFallsBackToTheHttp2AuthorityWithoutInventingAHeader() {
    String report =
        RequestReport.render(
            "jetty", "GET", "/", "HTTP/2.0", "10.0.0.1:4000", "svc:8080", List.of());
    assertThat(report).contains("\nhost=svc:8080\n").doesNotContain("header:");
  }

  @Test
  void peerIsIpAndPortWithoutSlash() {
    assertThat(RequestReport.peer(new InetSocketAddress("127.0.0.1", 5))).isEqualTo("127.0.0.1:5");
  }
}
