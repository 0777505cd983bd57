package dev.jmesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshHostsFileTest {

  private static final String LOCALHOST = "127.0.0.1\tlocalhost\n";

  private static String block(String... lines) {
    return MeshHostsFile.BEGIN + "\n" + String.join("", lines) + MeshHostsFile.END + "\n";
  }

  @Test
  void oneLinePerVirtualAddressWithTheFqdnFirst() throws Exception {
    Map<InetAddress, List<String>> names = new LinkedHashMap<>();
    names.put(
        InetAddress.getByName("240.240.0.1"),
        List.of("reviews.default.svc.cluster.local", "reviews.default", "reviews"));
    assertThat(MeshHostsFile.block(names))
        .isEqualTo(
            block("240.240.0.1\treviews.default.svc.cluster.local reviews.default reviews\n"));
  }

  @Test
  void theBlockIsAppendedOnceThenReplacedKeepingEveryOtherLine() {
    String first = MeshHostsFile.withBlock(LOCALHOST, block("240.240.0.1\ta\n"));
    assertThat(first).isEqualTo(LOCALHOST + block("240.240.0.1\ta\n"));
    String edited = first + "10.0.0.9\tdb\n";
    assertThat(MeshHostsFile.withBlock(edited, block("240.240.0.1\ta\n", "240.240.0.2\tb\n")))
        .isEqualTo(LOCALHOST + block("240.240.0.1\ta\n", "240.240.0.2\tb\n") + "10.0.0.9\tdb\n");
    assertThat(MeshHostsFile.withBlock("127.0.0.1 localhost", block()))
        .isEqualTo("127.0.0.1 localhost\n" + block());
  }
}
