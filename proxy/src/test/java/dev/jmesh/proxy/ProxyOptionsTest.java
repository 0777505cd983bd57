package dev.jmesh.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.dataplane.settings.BadSettingException;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyOptionsTest {

  private static ProxyOptions parse(Map<String, String> env, String... args)
      throws BadSettingException {
    return ProxyOptions.parse(args, env);
  }

  @Test
  void readsTheAgentsSettingsAsOptions() throws Exception {
    ProxyOptions o =
        parse(
            Map.of(),
            "--service",
            "ratings",
            "--namespace=shop",
            "--control-plane",
            "cp:15012",
            "--token-file",
            "/run/ratings.token",
            "--labels",
            "app=ratings,version=v1");
    assertThat(o.settings().service()).isEqualTo("ratings");
    assertThat(o.settings().namespace()).isEqualTo("shop");
    assertThat(o.settings().controlPlane()).isEqualTo("cp:15012");
    assertThat(o.settings().tokenFile()).isEqualTo("/run/ratings.token");
    assertThat(o.settings().labels()).containsEntry("version", "v1");
    assertThat(o.httpProxy()).isEqualTo(ProxyOptions.DEFAULT_HTTP_PROXY);
    assertThat(o.inbound()).isEmpty();
  }

  @Test
  void environmentVariablesWhenNoOptionIsGiven() throws Exception {
    ProxyOptions o =
        parse(
            Map.of(
                "MESH_SERVICE", "ratings",
                "MESH_CONTROL_PLANE", "cp:15012",
                "MESH_INBOUND", "9080=127.0.0.1:9081,9443=127.0.0.1:9444",
                "MESH_OUTBOUND", "reviews:9080=127.0.0.1:19080",
                "MESH_HTTP_PROXY", "off"));
    assertThat(o.inbound())
        .containsExactly(
            new InboundMapping(9080, new InetSocketAddress("127.0.0.1", 9081)),
            new InboundMapping(9443, new InetSocketAddress("127.0.0.1", 9444)));
    assertThat(o.outbound())
        .containsExactly(
            new OutboundMapping("reviews", 9080, new InetSocketAddress("127.0.0.1", 19080)));
    assertThat(o.httpProxy()).isNull();
  }

  @Test
  void anOptionWinsOverItsVariable() throws Exception {
    ProxyOptions o =
        parse(
            Map.of("MESH_SERVICE", "other", "MESH_INBOUND", "1=127.0.0.1:2"),
            "--service",
            "ratings",
            "--control-plane",
            "cp:15012",
            "--inbound",
            "9080=127.0.0.1:9081");
    assertThat(o.settings().service()).isEqualTo("ratings");
    assertThat(o.inbound()).extracting(InboundMapping::listenPort).containsExactly(9080);
  }

  @Test
  void appPortMapsTheSamePortOnLoopback() throws Exception {
    ProxyOptions o = parse(Map.of(), "--service", "ratings", "--app-port", "9080");
    assertThat(o.inbound())
        .containsExactly(new InboundMapping(9080, new InetSocketAddress("127.0.0.1", 9080)));
  }

  @Test
  void repeatedOptionsAddUp() throws Exception {
    ProxyOptions o =
        parse(
            Map.of(),
            "--service",
            "ratings",
            "--outbound",
            "reviews:9080=19080",
            "--outbound",
            "db.data:5432=127.0.0.1:0",
            "--http-proxy",
            "0");
    assertThat(o.outbound())
        .extracting(OutboundMapping::destination)
        .containsExactly("reviews:9080", "db.data:5432");
    assertThat(o.outbound().get(0).local()).isEqualTo(new InetSocketAddress("127.0.0.1", 19080));
    assertThat(o.httpProxy()).isEqualTo(new InetSocketAddress("127.0.0.1", 0));
  }

  @Test
  void helpNeedsNothingElse() throws Exception {
    assertThat(parse(Map.of(), "--help").help()).isTrue();
    String help = ProxyHelp.text();
    for (String key : ProxyOptions.MESH_KEYS) {
      assertThat(help).contains("--" + dev.jmesh.dataplane.settings.SettingSource.optionName(key));
    }
    for (String key : ProxyOptions.PROXY_KEYS) {
      assertThat(help).contains("--" + dev.jmesh.dataplane.settings.SettingSource.optionName(key));
    }
  }

  @Test
  void aMissingServiceIsNamed() {
    assertThatThrownBy(() -> parse(Map.of(), "--app-port", "9080"))
        .isInstanceOf(BadSettingException.class)
        .hasMessageContaining("--service")
        .hasMessageContaining("MESH_SERVICE");
  }

  @Test
  void aBadInboundNamesTheOptionAndTheFix() {
    assertThatThrownBy(() -> parse(Map.of(), "--service", "ratings", "--inbound", "9080"))
        .hasMessageContaining("--inbound=\"9080\"")
        .hasMessageContaining("9080=127.0.0.1:9081");
    assertThatThrownBy(
            () -> parse(Map.of(), "--service", "ratings", "--inbound", "9080=127.0.0.1:x"))
        .hasMessageContaining("--inbound")
        .hasMessageContaining("port");
    assertThatThrownBy(
            () -> parse(Map.of(), "--service", "ratings", "--inbound", "9080=app.local:9081"))
        .hasMessageContaining("use an IP address");
    assertThatThrownBy(
            () -> parse(Map.of("MESH_SERVICE", "ratings", "MESH_INBOUND", "70000=127.0.0.1:1")))
        .hasMessageContaining("MESH_INBOUND");
  }

  @Test
  void anAppPortOnTheWorkloadsOwnAddressIsRefused() throws Exception {
    ProxyOptions o = parse(Map.of(), "--service", "ratings", "--app-port", "9080");
    assertThatThrownBy(() -> o.checkInboundAgainst("127.0.0.1"))
        .hasMessageContaining("--app-port 9080")
        .hasMessageContaining("--inbound 9080=127.0.0.1:APP_PORT");
    o.checkInboundAgainst("10.1.2.3");
  }

  @Test
  void aPortMappedTwiceIsRefused() {
    assertThatThrownBy(
            () ->
                parse(
                    Map.of(),
                    "--service",
                    "ratings",
                    "--app-port",
                    "9080",
                    "--inbound",
                    "9080=127.0.0.1:9081"))
        .hasMessageContaining("mapped twice");
  }

  @Test
  void aBadOutboundNamesTheOption() {
    assertThatThrownBy(() -> parse(Map.of(), "--service", "ratings", "--outbound", "reviews"))
        .hasMessageContaining("--outbound")
        .hasMessageContaining("reviews:9080=127.0.0.1:19080");
    assertThatThrownBy(
            () -> parse(Map.of(), "--service", "ratings", "--outbound", "reviews=127.0.0.1:1"))
        .hasMessageContaining("SERVICE:PORT");
  }

  @Test
  void aBadMeshSettingNamesTheOptionNotAnAgentArgument() {
    assertThatThrownBy(() -> parse(Map.of(), "--service", "ratings", "--admin-port", "http"))
        .hasMessageContaining("--admin-port")
        .hasMessageNotContaining("javaagent");
    assertThatThrownBy(() -> parse(Map.of(), "--service", "Ratings!"))
        .hasMessageContaining("--service");
  }

  @Test
  void unknownOptionsAndTheTokenOnTheCommandLineAreRefused() {
    assertThatThrownBy(() -> parse(Map.of(), "--service", "ratings", "--colour", "red"))
        .hasMessageContaining("unknown option --colour");
    assertThatThrownBy(() -> parse(Map.of(), "--service", "ratings", "--token", "secret"))
        .hasMessageContaining("--token-file")
        .hasMessageNotContaining("secret\"");
    assertThatThrownBy(() -> parse(Map.of(), "--service"))
        .hasMessageContaining("--service needs a value");
    assertThatThrownBy(() -> parse(Map.of(), "ratings")).hasMessageContaining("not an option");
  }

  @Test
  void captureIsOffUnlessAPortIsGivenWhichIsOnLoopback() throws Exception {
    ProxyOptions off = parse(Map.of(), "--service", "ratings");
    assertThat(off.capture()).isNull();
    assertThat(off.hostsFile()).isNull();
    ProxyOptions on =
        parse(
            Map.of("MESH_HOSTS_FILE", "/tmp/hosts"),
            "--service",
            "ratings",
            "--capture-port",
            "15002");
    assertThat(on.capture()).isEqualTo(new InetSocketAddress("127.0.0.1", 15002));
    assertThat(on.hostsFile()).isEqualTo(java.nio.file.Path.of("/tmp/hosts"));
    assertThat(
            parse(Map.of("MESH_CAPTURE_PORT", "10.0.0.2:15002"), "--service", "ratings").capture())
        .isEqualTo(new InetSocketAddress("10.0.0.2", 15002));
    assertThat(parse(Map.of(), "--service", "ratings", "--capture-port", "off").capture()).isNull();
  }

  @Test
  void aBadCapturePortOrHostsFileNamesTheOptionAndTheFix() {
    assertThatThrownBy(() -> parse(Map.of(), "--service", "ratings", "--capture-port", "0"))
        .hasMessageContaining("--capture-port")
        .hasMessageContaining("1-65535");
    assertThatThrownBy(
            () -> parse(Map.of(), "--service", "ratings", "--hosts-file", "/no/such/dir/hosts"))
        .hasMessageContaining("--hosts-file")
        .hasMessageContaining("scripts/mesh-capture up");
  }
}
