package dev.jmesh.dataplane.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.dataplane.log.MeshLog;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsParserTest {

  private static Map<String, String> map(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  /** Settings from environment variables only, with a service so that parsing gets past it. */
  private static MeshSettings fromEnv(String... keysAndValues) throws BadSettingException {
    Map<String, String> env = map("MESH_SERVICE", "reviews");
    env.putAll(map(keysAndValues));
    return SettingsParser.parse(new SettingSource(Map.of(), Map.of(), env));
  }

  private static BadSettingException envError(String... keysAndValues) {
    try {
      fromEnv(keysAndValues);
    } catch (BadSettingException e) {
      return e;
    }
    throw new AssertionError("expected a BadSettingException for " + List.of(keysAndValues));
  }

  @Nested
  class AgentArgs {

    @Test
    void nullOrBlankGivesNoSettings() throws Exception {
      assertThat(SettingsParser.parseAgentArgs(null)).isEmpty();
      assertThat(SettingsParser.parseAgentArgs("  ")).isEmpty();
    }

    @Test
    void splitsKeyValuePairsAndTrims() throws Exception {
      assertThat(
              SettingsParser.parseAgentArgs("service=reviews, namespace = bookinfo ,,adminPort=0"))
          .containsExactly(
              Map.entry("service", "reviews"),
              Map.entry("namespace", "bookinfo"),
              Map.entry("adminPort", "0"));
    }

    @Test
    void valueMayContainEquals() throws Exception {
      assertThat(SettingsParser.parseAgentArgs("labels=version=v2"))
          .containsExactly(Map.entry("labels", "version=v2"));
    }

    @Test
    void labelEntriesMergeIntoLabels() throws Exception {
      assertThat(
              SettingsParser.parseAgentArgs("label.version=v2,service=reviews,label.app=reviews"))
          .containsEntry("labels", "version=v2,app=reviews")
          .containsEntry("service", "reviews");
    }

    @Test
    void labelEntriesAreAddedToAnExplicitLabelsValue() throws Exception {
      assertThat(SettingsParser.parseAgentArgs("labels=app=reviews,label.version=v2"))
          .containsExactly(Map.entry("labels", "app=reviews,version=v2"));
    }

    @Test
    void labelArgumentsReachTheParsedLabels() throws Exception {
      MeshSettings settings =
          SettingsParser.parse(
              new SettingSource(
                  SettingsParser.parseAgentArgs(
                      "service=reviews,label.version=v2,label.app=reviews"),
                  Map.of(),
                  Map.of()));
      assertThat(settings.labels())
          .containsOnly(Map.entry("version", "v2"), Map.entry("app", "reviews"));
    }

    @Test
    void unknownKeyIsRefusedWithTheKnownList() {
      assertThatThrownBy(() -> SettingsParser.parseAgentArgs("service=reviews,servcie=x"))
          .isInstanceOf(BadSettingException.class)
          .hasMessageContaining("'servcie' is not a jmesh setting")
          .hasMessageContaining("known settings: " + String.join(", ", SettingsParser.KEYS))
          .hasMessageContaining("label.NAME");
    }

    @Test
    void itemsWithoutEqualsContinueTheListSettingBeforeThem() throws Exception {
      assertThat(
              SettingsParser.parseAgentArgs(
                  "excludeOutboundPorts=5432,6379,service=reviews,excludeMainClasses=a.*, b.*"))
          .containsEntry("excludeOutboundPorts", "5432,6379")
          .containsEntry("service", "reviews")
          .containsEntry("excludeMainClasses", "a.*,b.*");
    }

    @Test
    void aLabelEndsTheListBeforeIt() {
      assertThatThrownBy(
              () ->
                  SettingsParser.parseAgentArgs("excludeOutboundPorts=5432,label.version=v2,6379"))
          .isInstanceOf(BadSettingException.class)
          .hasMessageContaining("'6379' is not key=value");
    }

    @Test
    void bareLabelPrefixIsAnUnknownKey() {
      assertThatThrownBy(() -> SettingsParser.parseAgentArgs("label.=v2"))
          .isInstanceOf(BadSettingException.class)
          .hasMessageContaining("'label.' is not a jmesh setting");
    }

    @ParameterizedTest
    @ValueSource(strings = {"service", "=reviews", "service=reviews,debug"})
    void entryWithoutKeyValueIsRefused(String args) {
      assertThatThrownBy(() -> SettingsParser.parseAgentArgs(args))
          .isInstanceOf(BadSettingException.class)
          .hasMessageContaining("is not key=value")
          .hasMessageContaining("-javaagent:mesh.jar=service=reviews");
    }
  }

  @Nested
  class Precedence {

    @Test
    void agentArgumentBeatsSystemPropertyBeatsEnvironment() throws Exception {
      MeshSettings settings =
          SettingsParser.parse(
              new SettingSource(
                  map("service", "from-arg"),
                  map("jmesh.service", "from-prop", "jmesh.namespace", "ns-prop"),
                  map(
                      "MESH_SERVICE",
                      "from-env",
                      "MESH_NAMESPACE",
                      "ns-env",
                      "MESH_SERVICE_ACCOUNT",
                      "sa-env")));
      assertThat(settings.service()).isEqualTo("from-arg");
      assertThat(settings.namespace()).isEqualTo("ns-prop");
      assertThat(settings.serviceAccount()).isEqualTo("sa-env");
    }

    @Test
    void originOfTheWinningValueIsNamedInErrors() {
      SettingSource fromArg =
          new SettingSource(
              map("service", "reviews", "adminPort", "x"),
              map("jmesh.adminPort", "1"),
              map("MESH_ADMIN_PORT", "1"));
      assertThatThrownBy(() -> SettingsParser.parse(fromArg))
          .hasMessage(
              "bad setting adminPort: -javaagent argument adminPort=\"x\" is not a port"
                  + " number; allowed: 0-65535 (0 picks a free port)");
      SettingSource fromProperty =
          new SettingSource(
              map("service", "reviews"), map("jmesh.adminPort", "y"), map("MESH_ADMIN_PORT", "1"));
      assertThatThrownBy(() -> SettingsParser.parse(fromProperty))
          .hasMessageContaining("bad setting adminPort: -Djmesh.adminPort=\"y\"");
    }

    @Test
    void systemPropertyMapIsKeyedWithTheJmeshPrefix() throws Exception {
      MeshSettings settings =
          SettingsParser.parse(
              new SettingSource(
                  Map.of(), map("jmesh.service", "reviews", "service", "not-this"), Map.of()));
      assertThat(settings.service()).isEqualTo("reviews");
    }

    @Test
    void noServiceAnywhereIsRefused() {
      assertThatThrownBy(
              () -> SettingsParser.parse(new SettingSource(Map.of(), Map.of(), Map.of())))
          .isInstanceOf(BadSettingException.class)
          .hasMessageContaining("no service is configured")
          .hasMessageContaining("MESH_SERVICE")
          .hasMessageContaining("-Djmesh.service");
    }

    @Test
    void blankServiceCountsAsNone() {
      assertThatThrownBy(
              () ->
                  SettingsParser.parse(
                      new SettingSource(Map.of(), Map.of(), map("MESH_SERVICE", "  "))))
          .hasMessageContaining("no service is configured");
    }
  }

  @Nested
  class Defaults {

    @Test
    void onlyServiceGiven() throws Exception {
      MeshSettings s = fromEnv();
      assertThat(s.service()).isEqualTo("reviews");
      assertThat(s.namespace()).isEqualTo("default");
      assertThat(s.serviceAccount()).isEqualTo("default");
      assertThat(s.adminPort()).isEqualTo(15000).isEqualTo(MeshSettings.DEFAULT_ADMIN_PORT);
      assertThat(s.metricsPort()).isEqualTo(15020).isEqualTo(MeshSettings.DEFAULT_METRICS_PORT);
      assertThat(s.trustDomain()).isEqualTo("cluster.local");
      assertThat(s.tlsProvider())
          .isEqualTo(dev.jmesh.dataplane.identity.MeshTls.Provider.BORINGSSL);
      assertThat(s.token()).isNull();
      assertThat(s.workloadAddress()).isEqualTo("0.0.0.0");
      assertThat(s.logLevel()).isEqualTo(MeshLog.Level.INFO);
      assertThat(s.locality()).isEmpty();
      assertThat(s.controlPlane()).isNull();
      assertThat(s.tokenFile()).isNull();
      assertThat(s.labels()).isEmpty();
      assertThat(s.excludeOutboundPorts()).isEmpty();
      assertThat(s.excludeInboundPorts()).isEmpty();
      assertThat(s.excludeOutboundIPRanges()).isEmpty();
      assertThat(s.excludeMainClasses()).isEmpty();
      assertThat(s.disabledInstrumentations()).isEmpty();
      assertThat(s.startUnmeshedOnError()).isFalse();
      assertThat(s.failHooks()).isEmpty();
    }

    @Test
    void blankValuesFallBackToDefaults() throws Exception {
      MeshSettings s = fromEnv("MESH_NAMESPACE", " ", "MESH_ADMIN_PORT", "", "MESH_LOG_LEVEL", "");
      assertThat(s.namespace()).isEqualTo("default");
      assertThat(s.adminPort()).isEqualTo(15000);
      assertThat(s.logLevel()).isEqualTo(MeshLog.Level.INFO);
    }

    @Test
    void spiffeIdFromTrustDomainNamespaceAndServiceAccount() throws Exception {
      assertThat(fromEnv().spiffeId()).isEqualTo("spiffe://cluster.local/ns/default/sa/default");
      assertThat(
              fromEnv(
                      "MESH_TRUST_DOMAIN",
                      "example.org",
                      "MESH_NAMESPACE",
                      "bookinfo",
                      "MESH_SERVICE_ACCOUNT",
                      "bookinfo-reviews")
                  .spiffeId())
          .isEqualTo("spiffe://example.org/ns/bookinfo/sa/bookinfo-reviews");
    }
  }

  @Nested
  class Names {

    @ParameterizedTest
    @ValueSource(strings = {"reviews", "r", "reviews-v2", "a1", "0abc"})
    void validServiceNames(String name) throws Exception {
      assertThat(fromEnv("MESH_SERVICE", name).service()).isEqualTo(name);
    }

    @Test
    void serviceIsTrimmed() throws Exception {
      assertThat(fromEnv("MESH_SERVICE", " reviews ").service()).isEqualTo("reviews");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {"Reviews", "-reviews", "reviews-", "re_views", "reviews.v2", "re views"})
    void invalidServiceNamesAreRefused(String name) {
      assertThat(envError("MESH_SERVICE", name))
          .hasMessage(
              "bad setting service: MESH_SERVICE=\""
                  + name
                  + "\" is not allowed; use a DNS-1123 label (reviews)");
    }

    @Test
    void serviceLongerThan63IsRefused() throws Exception {
      String max = "a".repeat(63);
      assertThat(fromEnv("MESH_SERVICE", max).service()).isEqualTo(max);
      assertThat(envError("MESH_SERVICE", max + "a")).hasMessageContaining("bad setting service");
    }

    @Test
    void invalidNamespaceIsRefused() {
      assertThat(envError("MESH_NAMESPACE", "Book_Info"))
          .hasMessage(
              "bad setting namespace: MESH_NAMESPACE=\"Book_Info\" is not allowed;"
                  + " use a DNS-1123 label (default)");
    }

    @Test
    void serviceAccountIsADnsSubdomain() throws Exception {
      assertThat(fromEnv("MESH_SERVICE_ACCOUNT", "reviews.v2").serviceAccount())
          .isEqualTo("reviews.v2");
      assertThat(envError("MESH_SERVICE_ACCOUNT", "Reviews"))
          .hasMessage(
              "bad setting serviceAccount: MESH_SERVICE_ACCOUNT=\"Reviews\" is not"
                  + " allowed; use a DNS-1123 subdomain (reviews)");
      assertThat(envError("MESH_SERVICE_ACCOUNT", "a.".repeat(127) + "a"))
          .hasMessageContaining("bad setting serviceAccount");
    }

    @Test
    void trustDomainIsADnsName() throws Exception {
      assertThat(fromEnv("MESH_TRUST_DOMAIN", "example.org").trustDomain())
          .isEqualTo("example.org");
      assertThat(envError("MESH_TRUST_DOMAIN", "example..org"))
          .hasMessage(
              "bad setting trustDomain: MESH_TRUST_DOMAIN=\"example..org\" is not allowed;"
                  + " use a DNS name (cluster.local)");
    }
  }

  @Nested
  class Identity {

    @Test
    void tlsProviderIsBoringSslOrJdk() throws Exception {
      assertThat(fromEnv("MESH_TLS_PROVIDER", "JDK").tlsProvider())
          .isEqualTo(dev.jmesh.dataplane.identity.MeshTls.Provider.JDK);
      assertThat(envError("MESH_TLS_PROVIDER", "openssl"))
          .hasMessage(
              "bad setting tlsProvider: MESH_TLS_PROVIDER=\"openssl\" is not a TLS"
                  + " provider; allowed: boringssl, jdk");
    }

    @Test
    void theTokenIsASecretTheSettingsNeverPrint() throws Exception {
      MeshSettings s = fromEnv("MESH_TOKEN", "jmesh1.c2VjcmV0.c2ln");
      assertThat(s.token()).isEqualTo("jmesh1.c2VjcmV0.c2ln");
      assertThat(s.hasToken()).isTrue();
      assertThat(s.toString()).doesNotContain("c2VjcmV0").contains("token=(set)");
    }
  }

  @Nested
  class Labels {

    @Test
    void parsesPairs() throws Exception {
      assertThat(
              fromEnv(
                      "MESH_LABELS",
                      "version=v2, app=reviews,,app.kubernetes.io/name=Reviews_1," + "empty=")
                  .labels())
          .containsOnly(
              Map.entry("version", "v2"),
              Map.entry("app", "reviews"),
              Map.entry("app.kubernetes.io/name", "Reviews_1"),
              Map.entry("empty", ""));
    }

    @Test
    void pairWithoutValueIsRefused() {
      assertThat(envError("MESH_LABELS", "version=v2,novalue"))
          .hasMessage(
              "bad setting labels: MESH_LABELS=\"version=v2,novalue\" has 'novalue'"
                  + " without a value; write key=value pairs separated by commas"
                  + " (version=v2,app=reviews)");
    }

    @Test
    void pairWithoutKeyIsRefused() {
      assertThat(envError("MESH_LABELS", "=v2")).hasMessageContaining("has '=v2' without a value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-app", "app-", "a b", "Example.com/app", "a/b/c", "/app"})
    void invalidKeysAreRefused(String key) {
      assertThat(envError("MESH_LABELS", key + "=x"))
          .hasMessage(
              "bad setting labels: MESH_LABELS=\""
                  + key
                  + "=x\" has the key '"
                  + key
                  + "', which is not a Kubernetes label key");
    }

    @Test
    void keyNameLongerThan63IsRefused() throws Exception {
      assertThat(fromEnv("MESH_LABELS", "k".repeat(63) + "=x").labels()).hasSize(1);
      assertThat(envError("MESH_LABELS", "k".repeat(64) + "=x"))
          .hasMessageContaining("which is not a Kubernetes label key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-v2", "v2-", "v 2", "v2/x", "v2="})
    void invalidValuesAreRefused(String value) {
      assertThat(envError("MESH_LABELS", "version=" + value))
          .hasMessage(
              "bad setting labels: MESH_LABELS=\"version="
                  + value
                  + "\" has the value '"
                  + value
                  + "' for version, which is not a Kubernetes label value (63 characters of"
                  + " [A-Za-z0-9_.-])");
    }

    @Test
    void valueLongerThan63IsRefused() throws Exception {
      assertThat(fromEnv("MESH_LABELS", "v=" + "x".repeat(63)).labels()).hasSize(1);
      assertThat(envError("MESH_LABELS", "v=" + "x".repeat(64)))
          .hasMessageContaining("which is not a Kubernetes label value");
    }
  }

  @Nested
  class Locality {

    @ParameterizedTest
    @ValueSource(strings = {"us-east1", "us-east1/us-east1-b", "us-east1/us-east1-b/rack7"})
    void regionZoneSubzone(String locality) throws Exception {
      assertThat(fromEnv("MESH_LOCALITY", locality).locality()).isEqualTo(locality);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b/c/d", "a//c", "/a", "a/", "a/ /c"})
    void malformedLocalityIsRefused(String locality) {
      assertThat(envError("MESH_LOCALITY", locality))
          .hasMessage(
              "bad setting locality: MESH_LOCALITY=\""
                  + locality
                  + "\" is not region[/zone[/subzone]] (us-east1/us-east1-b)");
    }
  }

  @Nested
  class ControlPlane {

    @ParameterizedTest
    @ValueSource(strings = {"istiod.istio-system:15012", "10.0.0.1:1", "[::1]:65535"})
    void hostPort(String value) throws Exception {
      assertThat(fromEnv("MESH_CONTROL_PLANE", value).controlPlane()).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"istiod", ":15012", "istiod:"})
    void notHostPortIsRefused(String value) {
      assertThat(envError("MESH_CONTROL_PLANE", value))
          .hasMessage(
              "bad setting controlPlane: MESH_CONTROL_PLANE=\""
                  + value
                  + "\" is not host:port (istiod.istio-system:15012)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"istiod:0", "istiod:65536", "istiod:http", "istiod:-1"})
    void badPortIsRefused(String value) {
      assertThat(envError("MESH_CONTROL_PLANE", value))
          .hasMessage(
              "bad setting controlPlane: MESH_CONTROL_PLANE=\""
                  + value
                  + "\" is not a port number; allowed: 1-65535");
    }
  }

  @Nested
  class Ports {

    @Test
    void adminAndMetricsPortsAcceptTheWholeRangeIncludingZero() throws Exception {
      MeshSettings s = fromEnv("MESH_ADMIN_PORT", "0", "MESH_METRICS_PORT", "65535");
      assertThat(s.adminPort()).isZero();
      assertThat(s.metricsPort()).isEqualTo(65535);
      assertThat(fromEnv("MESH_ADMIN_PORT", " 15001 ").adminPort()).isEqualTo(15001);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "65536", "abc", "15000.0", "99999999999"})
    void outOfRangeAdminPortIsRefused(String value) {
      assertThat(envError("MESH_ADMIN_PORT", value))
          .hasMessage(
              "bad setting adminPort: MESH_ADMIN_PORT=\""
                  + value
                  + "\" is not a port number; allowed: 0-65535 (0 picks a free port)");
    }

    @Test
    void metricsPortErrorNamesItsOwnSetting() {
      assertThat(envError("MESH_METRICS_PORT", "70000"))
          .hasMessage(
              "bad setting metricsPort: MESH_METRICS_PORT=\"70000\" is not a port number;"
                  + " allowed: 0-65535 (0 picks a free port)");
    }

    @Test
    void excludedPortLists() throws Exception {
      MeshSettings s =
          fromEnv(
              "MESH_EXCLUDE_OUTBOUND_PORTS",
              "80, 443,,80",
              "MESH_EXCLUDE_INBOUND_PORTS",
              "1,65535");
      assertThat(s.excludeOutboundPorts()).containsExactlyInAnyOrder(80, 443);
      assertThat(s.excludeInboundPorts()).containsExactlyInAnyOrder(1, 65535);
      assertThat(fromEnv("MESH_EXCLUDE_INBOUND_PORTS", " ").excludeInboundPorts()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "80,65536", "80,http", "-5"})
    void badExcludedPortIsRefused(String value) {
      assertThat(envError("MESH_EXCLUDE_OUTBOUND_PORTS", value))
          .hasMessage(
              "bad setting excludeOutboundPorts: MESH_EXCLUDE_OUTBOUND_PORTS=\""
                  + value
                  + "\" is not a port number; allowed: 1-65535");
      assertThat(envError("MESH_EXCLUDE_INBOUND_PORTS", value))
          .hasMessageStartingWith(
              "bad setting excludeInboundPorts: MESH_EXCLUDE_INBOUND_PORTS=\"" + value + "\"");
    }
  }

  @Nested
  class IpRangesAndAddresses {

    @Test
    void cidrList() throws Exception {
      List<Cidr> ranges =
          fromEnv("MESH_EXCLUDE_OUTBOUND_IP_RANGES", "10.0.0.0/8, fd00::/8,,169.254.169.254")
              .excludeOutboundIPRanges();
      assertThat(ranges)
          .extracting(Cidr::toString)
          .containsExactly("10.0.0.0/8", "fd00::/8", "169.254.169.254");
    }

    @Test
    void badPrefixIsRefused() {
      assertThat(envError("MESH_EXCLUDE_OUTBOUND_IP_RANGES", "10.0.0.0/8,10.0.0.0/33"))
          .hasMessage(
              "bad setting excludeOutboundIPRanges:"
                  + " MESH_EXCLUDE_OUTBOUND_IP_RANGES=\"10.0.0.0/8,10.0.0.0/33\" has '10.0.0.0/33':"
                  + " prefix length /33 is not in 0..32; write CIDRs separated by commas"
                  + " (10.0.0.0/8,fd00::/8)");
    }

    @Test
    void hostNameIsRefused() {
      assertThat(envError("MESH_EXCLUDE_OUTBOUND_IP_RANGES", "localhost/32"))
          .hasMessage(
              "bad setting excludeOutboundIPRanges: MESH_EXCLUDE_OUTBOUND_IP_RANGES="
                  + "\"localhost/32\" has 'localhost/32': 'localhost' is not an IP address;"
                  + " write CIDRs separated by commas (10.0.0.0/8,fd00::/8)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.5", "0.0.0.0", "::1", "fd00::5"})
    void workloadAddressIpLiteral(String address) throws Exception {
      assertThat(fromEnv("MESH_WORKLOAD_ADDRESS", address).workloadAddress()).isEqualTo(address);
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "localhost",
          "reviews.default.svc",
          "10.0.0",
          "10.0.0.256",
          "10.0.0.5/32",
          "fe80::1%eth0"
        })
    void workloadAddressMustBeAnIpLiteral(String address) {
      assertThat(envError("MESH_WORKLOAD_ADDRESS", address))
          .hasMessage(
              "bad setting workloadAddress: MESH_WORKLOAD_ADDRESS=\""
                  + address
                  + "\" is not an IP address (10.0.0.5, 0.0.0.0 for every interface)");
    }

    @Test
    void workloadAddressLocalhostIsRefusedEvenThoughItResolves() throws Exception {
      // localhost always resolves; refusing it shows the value never went through a lookup.
      assertThat(InetAddress.getByName("localhost")).isNotNull();
      assertThat(envError("MESH_WORKLOAD_ADDRESS", "localhost"))
          .hasMessageContaining("is not an IP address");
    }
  }

  @Nested
  class LogLevelAndBooleans {

    @ParameterizedTest
    @ValueSource(strings = {"error", "WARN", "Info", " debug "})
    void logLevels(String value) throws Exception {
      assertThat(fromEnv("MESH_LOG_LEVEL", value).logLevel())
          .isEqualTo(MeshLog.Level.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT)));
    }

    @Test
    void unknownLogLevelIsRefused() {
      assertThat(envError("MESH_LOG_LEVEL", "verbose"))
          .hasMessage(
              "bad setting logLevel: MESH_LOG_LEVEL=\"verbose\" is not a log level;"
                  + " allowed: error, warn, info, debug");
    }

    @Test
    void booleans() throws Exception {
      assertThat(fromEnv("MESH_START_UNMESHED_ON_ERROR", "TRUE").startUnmeshedOnError()).isTrue();
      assertThat(fromEnv("MESH_START_UNMESHED_ON_ERROR", " true ").startUnmeshedOnError()).isTrue();
      assertThat(fromEnv("MESH_START_UNMESHED_ON_ERROR", "false").startUnmeshedOnError()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "1", "on"})
    void otherBooleanSpellingsAreRefused(String value) {
      assertThat(envError("MESH_START_UNMESHED_ON_ERROR", value))
          .hasMessage(
              "bad setting startUnmeshedOnError: MESH_START_UNMESHED_ON_ERROR=\""
                  + value
                  + "\" is not true or false");
    }

    @Test
    void startUnmeshedOnErrorIsReadWithoutFullParsing() {
      assertThat(
              SettingsParser.startUnmeshedOnError(
                  new SettingSource(
                      Map.of(), Map.of(), map("MESH_START_UNMESHED_ON_ERROR", "True"))))
          .isTrue();
      assertThat(
              SettingsParser.startUnmeshedOnError(
                  new SettingSource(
                      map("startUnmeshedOnError", "false"),
                      Map.of(),
                      map("MESH_START_UNMESHED_ON_ERROR", "true"))))
          .isFalse();
      assertThat(
              SettingsParser.startUnmeshedOnError(new SettingSource(Map.of(), Map.of(), Map.of())))
          .isFalse();
    }

    @Test
    void listsAreTrimmedAndSkipBlanks() throws Exception {
      MeshSettings s =
          fromEnv(
              "MESH_EXCLUDE_MAIN_CLASSES",
              "org.apache.maven.*, ,com.example.Tool",
              "MESH_DISABLED_INSTRUMENTATIONS",
              "okhttp, jdk-net",
              "MESH_TOKEN_FILE",
              " /var/token ");
      assertThat(s.excludeMainClasses()).containsExactly("org.apache.maven.*", "com.example.Tool");
      assertThat(s.disabledInstrumentations()).containsExactlyInAnyOrder("okhttp", "jdk-net");
      assertThat(s.tokenFile()).isEqualTo("/var/token");
    }
  }

  @Nested
  class FailHooks {

    private MeshSettings withFailHooks(String value) throws BadSettingException {
      return SettingsParser.parse(
          new SettingSource(
              map("service", "reviews"), map("jmesh.internal.failHooks", value), Map.of()));
    }

    @Test
    void namedHooks() throws Exception {
      assertThat(withFailHooks("connect, bind").failHooks())
          .containsExactlyInAnyOrder("connect", "bind");
      assertThat(withFailHooks("http-request").failHooks()).containsExactly("http-request");
    }

    @Test
    void allMeansEveryHook() throws Exception {
      assertThat(withFailHooks("all").failHooks())
          .containsExactlyInAnyOrder("connect", "bind", "accept", "http-request");
    }

    @Test
    void unknownHookIsRefused() {
      assertThatThrownBy(() -> withFailHooks("connect,recv"))
          .isInstanceOf(BadSettingException.class)
          .hasMessageStartingWith(
              "bad setting -Djmesh.internal.failHooks=\"connect,recv\":"
                  + " 'recv' is not one of all, ")
          .hasMessageContaining("connect")
          .hasMessageContaining("bind")
          .hasMessageContaining("accept")
          .hasMessageContaining("http-request");
    }

    @Test
    void readOnlyFromTheSystemPropertyMap() throws Exception {
      MeshSettings s =
          SettingsParser.parse(
              new SettingSource(
                  map("service", "reviews"),
                  Map.of(),
                  map("MESH_INTERNAL_FAIL_HOOKS", "all", "jmesh.internal.failHooks", "all")));
      assertThat(s.failHooks()).isEmpty();
    }
  }

  @Nested
  class Engine {

    @Test
    void defaultsAreEnvoysAndIstios() throws Exception {
      assertThat(fromEnv().engine()).isEqualTo(EngineSettings.DEFAULTS);
      assertThat(fromEnv().engine().portName(9080)).isEqualTo("http-9080");
    }

    @Test
    void servicePortsDurationsAndBytesAreRead() throws Exception {
      EngineSettings e =
          fromEnv(
                  "MESH_SERVICE_PORTS", "tcp-echo:7000, grpc:9090",
                  "MESH_FIRST_CONFIG_TIMEOUT", "500ms",
                  "MESH_REQUEST_HEADERS_TIMEOUT", "2s",
                  "MESH_IDLE_TIMEOUT", "3m",
                  "MESH_DRAIN_TIMEOUT", "1h",
                  "MESH_MAX_REQUEST_BODY_BYTES", "0")
              .engine();
      assertThat(e.portName(7000)).isEqualTo("tcp-echo");
      assertThat(e.portName(9090)).isEqualTo("grpc");
      assertThat(e.firstConfigTimeout()).isEqualTo(java.time.Duration.ofMillis(500));
      assertThat(e.requestHeadersTimeout()).isEqualTo(java.time.Duration.ofSeconds(2));
      assertThat(e.idleTimeout()).isEqualTo(java.time.Duration.ofMinutes(3));
      assertThat(e.drainTimeout()).isEqualTo(java.time.Duration.ofHours(1));
      assertThat(e.maxRequestBodyBytes()).isZero();
    }

    @Test
    void theTlsHandshakeTimeoutIsTenSecondsUnlessSetAndNeverZero() throws Exception {
      assertThat(fromEnv().engine().tlsHandshakeTimeout())
          .isEqualTo(java.time.Duration.ofSeconds(10));
      assertThat(fromEnv("MESH_TLS_HANDSHAKE_TIMEOUT", "2s").engine().tlsHandshakeTimeout())
          .isEqualTo(java.time.Duration.ofSeconds(2));
      assertThat(envError("MESH_TLS_HANDSHAKE_TIMEOUT", "0s").getMessage())
          .contains("tlsHandshakeTimeout", "MESH_TLS_HANDSHAKE_TIMEOUT", "more than 0");
    }

    @Test
    void inboundPathIsTheEngineUnlessDirectIsAsked() throws Exception {
      assertThat(fromEnv().engine().directInbound()).isFalse();
      assertThat(fromEnv("MESH_INBOUND_PATH", "direct").engine().directInbound()).isTrue();
      assertThat(fromEnv("MESH_INBOUND_PATH", "engine").engine().directInbound()).isFalse();
      assertThat(envError("MESH_INBOUND_PATH", "sidecar").getMessage())
          .contains("inboundPath", "sidecar", "engine, direct");
    }

    @Test
    void aPortSpeaksHttpByItsIstioNameAndAnUndeclaredOneDoes() throws Exception {
      EngineSettings e =
          fromEnv("MESH_SERVICE_PORTS", "tcp-echo:7000,grpc:9090,http2-web:8080,mongo:27017")
              .engine();
      assertThat(e.speaksHttp(7000)).isFalse();
      assertThat(e.speaksHttp(27017)).isFalse();
      assertThat(e.speaksHttp(9090)).isTrue();
      assertThat(e.speaksHttp(8080)).isTrue();
      assertThat(e.speaksHttp(9080)).as("announced as http-9080").isTrue();
    }

    @Test
    void badValuesNameTheSettingAndWhatIsAllowed() {
      assertThat(envError("MESH_DRAIN_TIMEOUT", "5 seconds").getMessage())
          .contains("drainTimeout", "MESH_DRAIN_TIMEOUT", "5 seconds", "500ms, 10s, 2m or 1h");
      assertThat(envError("MESH_MAX_REQUEST_BODY_BYTES", "-1").getMessage())
          .contains("maxRequestBodyBytes", "0 for no limit");
      assertThat(envError("MESH_SERVICE_PORTS", "7000").getMessage())
          .contains("servicePorts", "NAME:PORT");
      assertThat(envError("MESH_SERVICE_PORTS", "echo:70000").getMessage())
          .contains("servicePorts");
    }
  }

  @Nested
  class Journal {

    @Test
    void theAgentsJournalIsOffUnlessADirectoryIsGiven() throws Exception {
      assertThat(fromEnv().journal()).isNull();
      assertThat(fromEnv("MESH_JOURNAL", "off").journal()).isNull();
      assertThat(fromEnv("MESH_JOURNAL", " ").journal()).isNull();
      assertThat(fromEnv("MESH_JOURNAL", "/var/lib/jmesh/journal").journal())
          .isEqualTo(Path.of("/var/lib/jmesh/journal"));
    }

    @Test
    void aRelativeDirectoryIsTheApplicationsWorkingDirectorys() throws Exception {
      assertThat(fromEnv("MESH_JOURNAL", "jrnl").journal())
          .isEqualTo(Path.of("jrnl").toAbsolutePath());
    }

    @Test
    void anAgentArgumentNamesTheJournal() throws Exception {
      MeshSettings s =
          SettingsParser.parse(
              new SettingSource(
                  SettingsParser.parseAgentArgs("service=reviews,journal=/tmp/j"),
                  Map.of(),
                  Map.of()));
      assertThat(s.journal()).isEqualTo(Path.of("/tmp/j"));
    }

    @Test
    void aPathTheFileSystemRefusesIsABadSetting() {
      assertThat(envError("MESH_JOURNAL", "/tmp/a\u0000b").getMessage())
          .contains("journal", "MESH_JOURNAL", "not a directory path", "or off");
    }
  }
}
