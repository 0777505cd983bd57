package dev.jmesh.controlplane.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.config.AuthorizationPolicy;
import dev.jmesh.controlplane.config.ConfigResource;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.config.EndpointSlice;
import dev.jmesh.controlplane.config.KubernetesService;
import dev.jmesh.controlplane.config.PeerAuthentication;
import dev.jmesh.controlplane.config.ServiceEntry;
import dev.jmesh.controlplane.config.Sidecar;
import dev.jmesh.controlplane.config.WorkloadEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every kind is read into its typed form; every broken field is named with its line. */
class ResourceParserTest {

  private static ConfigResource one(String yaml) {
    ResourceParser.FileContents c = ResourceParser.parseResources("f.yaml", yaml);
    assertThat(c.diagnostics()).isEmpty();
    assertThat(c.resources()).hasSize(1);
    return c.resources().get(0);
  }

  private static List<String> errors(String yaml) {
    return ResourceParser.parseResources("f.yaml", yaml).diagnostics().stream()
        .map(Diagnostic::format).toList();
  }

  @Test
  void serviceEntry() {
    ServiceEntry se = (ServiceEntry) one(String.join("\n",
        "apiVersion: networking.istio.io/v1beta1",
        "kind: ServiceEntry",
        "metadata: {name: ext, namespace: shop}",
        "spec:",
        "  hosts: [api.example.com]",
        "  addresses: [240.0.0.1]",
        "  location: MESH_EXTERNAL",
        "  resolution: DNS",
        "  ports:",
        "  - {number: 443, name: tls-api}",
        "  - {number: 80, name: web, protocol: http, targetPort: 8080}",
        "  endpoints:",
        "  - {address: a.example.com, ports: {web: 8081}, labels: {zone: a}, weight: 3,"
            + " locality: eu/west-1}",
        ""));
    assertThat(se.namespace()).isEqualTo("shop");
    assertThat(se.resolution()).isEqualTo(ServiceEntry.Resolution.DNS);
    assertThat(se.location()).isEqualTo(ServiceEntry.Location.MESH_EXTERNAL);
    assertThat(se.ports()).extracting(p -> p.protocol()).containsExactly("TLS", "HTTP");
    assertThat(se.ports().get(1).targetPort()).isEqualTo(8080);
    assertThat(se.endpoints().get(0).ports()).containsEntry("web", 8081);
    assertThat(se.endpoints().get(0).weight()).isEqualTo(3);
  }

  @Test
  void serviceEntryErrors() {
    assertThat(errors(String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: ServiceEntry",
        "metadata: {name: ext}",
        "spec:",
        "  hosts: [a]",
        "  resolution: SOMETIMES",
        "")))
        .containsExactly("f.yaml:6: ServiceEntry ext: resolution: 'SOMETIMES' is not one of"
            + " [NONE, STATIC, DNS, DNS_ROUND_ROBIN]");
    assertThat(errors(String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: ServiceEntry",
        "metadata: {name: ext}",
        "spec:",
        "  hosts: [a]",
        "  ports: [{number: 80, name: http}]",
        "  endpoints:",
        "  - address: 1.2.3.4",
        "    ports: {grpc: 9000}",
        "")))
        .containsExactly("f.yaml:8: ServiceEntry ext: endpoints: port name 'grpc' is not the"
            + " name of any port in ports");
  }

  @Test
  void serviceEntryResolutionRules() {
    String se = String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: ServiceEntry",
        "metadata: {name: ext}",
        "spec:",
        "  hosts: [HOST]",
        "  ports: [{number: 80, name: http}]",
        "  resolution: RES",
        "  endpoints:",
        "  - address: ADDR",
        "");
    assertThat(errors(se.replace("HOST", "a.example").replace("RES", "STATIC")
        .replace("ADDR", "a.example.com")))
        .containsExactly("f.yaml:9: ServiceEntry ext: endpoints: address 'a.example.com' is not"
            + " an IP address; STATIC resolution needs IPs (use resolution: DNS for host names)");
    assertThat(errors(se.replace("HOST", "'*.example.com'").replace("RES", "DNS")
        .replace("  endpoints:\n  - address: ADDR\n", "")))
        .singleElement().asString().contains("wildcard host *.example.com cannot be resolved");
    assertThat(errors(se.replace("HOST", "a.example").replace("RES", "STATIC")
        .replace("ADDR", "10.0.0.1"))).isEmpty();
  }

  @Test
  void workloadEntry() {
    WorkloadEntry we = (WorkloadEntry) one(String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: WorkloadEntry",
        "metadata: {name: vm1}",
        "spec:",
        "  address: 10.1.1.1",
        "  labels: {app: ratings}",
        "  serviceAccount: ratings",
        ""));
    assertThat(we.spec().address()).isEqualTo("10.1.1.1");
    assertThat(we.spec().serviceAccount()).isEqualTo("ratings");
  }

  @Test
  void kubernetesServiceAndEndpointSlice() {
    ResourceParser.FileContents c = ResourceParser.parseResources("k.yaml", String.join("\n",
        "apiVersion: v1",
        "kind: Service",
        "metadata: {name: ratings, namespace: shop}",
        "spec:",
        "  clusterIP: 10.96.0.10",
        "  selector: {app: ratings}",
        "  ports:",
        "  - {name: grpc-api, port: 9090, targetPort: 19090}",
        "  - {name: metrics, port: 9100, targetPort: metrics}",
        "---",
        "apiVersion: discovery.k8s.io/v1",
        "kind: EndpointSlice",
        "metadata:",
        "  name: ratings-abc",
        "  namespace: shop",
        "  labels: {kubernetes.io/service-name: ratings}",
        "addressType: IPv4",
        "ports:",
        "- {name: grpc-api, port: 19090}",
        "endpoints:",
        "- addresses: [10.0.0.5]",
        "  zone: z1",
        "- addresses: [10.0.0.6]",
        "  conditions: {ready: false}",
        ""));
    assertThat(c.diagnostics()).isEmpty();
    KubernetesService svc = (KubernetesService) c.resources().get(0);
    assertThat(svc.ports()).extracting(p -> p.protocol()).containsExactly("GRPC", "TCP");
    assertThat(svc.ports().get(1).targetPort()).isZero();
    EndpointSlice slice = (EndpointSlice) c.resources().get(1);
    assertThat(slice.serviceName()).isEqualTo("ratings");
    assertThat(slice.endpoints().get(1).ready()).isFalse();

    var registry = dev.jmesh.controlplane.internal.registry.ServiceRegistry.build(c.resources());
    var service = registry.service("ratings.shop.svc.cluster.local");
    assertThat(service.addresses()).containsExactly("10.96.0.10");
    assertThat(service.endpoints()).extracting(e -> e.address() + ":" + e.ports().get(9090)
        + ":" + e.ready() + ":" + e.locality())
        .containsExactly("10.0.0.5:19090:true:/z1", "10.0.0.6:19090:false:");
    assertThat(registry.lookup("ratings", "shop")).isSameAs(service);
    assertThat(registry.lookup("ratings.shop", "default")).isSameAs(service);
    assertThat(registry.lookup("ratings", "default")).isNull();
  }

  @Test
  void sidecar() {
    Sidecar s = (Sidecar) one(String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: Sidecar",
        "metadata: {name: default}",
        "spec:",
        "  egress:",
        "  - hosts: [./*, istio-system/*]",
        "  outboundTrafficPolicy: {mode: REGISTRY_ONLY}",
        ""));
    assertThat(s.egress().get(0).hosts()).containsExactly("./*", "istio-system/*");
    assertThat(errors(String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: Sidecar",
        "metadata: {name: default}",
        "spec:",
        "  egress:",
        "  - hosts:",
        "    - reviews",
        "")))
        .singleElement().asString()
        .isEqualTo("f.yaml:7: Sidecar default: egress.hosts: 'reviews' must be namespace/host"
            + " (e.g. ./* or istio-system/*)");
  }

  @Test
  void peerAuthentication() {
    PeerAuthentication pa = (PeerAuthentication) one(String.join("\n",
        "apiVersion: security.istio.io/v1beta1",
        "kind: PeerAuthentication",
        "metadata: {name: strict, namespace: istio-system}",
        "spec:",
        "  selector: {matchLabels: {app: ratings}}",
        "  mtls: {mode: STRICT}",
        "  portLevelMtls:",
        "    9100: {mode: DISABLE}",
        ""));
    assertThat(pa.mode()).isEqualTo(PeerAuthentication.MtlsMode.STRICT);
    assertThat(pa.portLevelMtls()).containsEntry(9100, PeerAuthentication.MtlsMode.DISABLE);
  }

  @Test
  void authorizationPolicy() {
    AuthorizationPolicy ap = (AuthorizationPolicy) one(String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: ratings-viewer}",
        "spec:",
        "  selector: {matchLabels: {app: ratings}}",
        "  action: ALLOW",
        "  rules:",
        "  - from:",
        "    - source: {principals: [cluster.local/ns/default/sa/bookinfo-reviews]}",
        "    to:",
        "    - operation: {methods: [GET], paths: [/ratings/*]}",
        "    when:",
        "    - key: request.headers[version]",
        "      values: [v1, v2]",
        ""));
    assertThat(ap.rules().get(0).from().get(0).fields()).containsKey("principals");
    assertThat(ap.rules().get(0).to().get(0).fields().get("methods")).containsExactly("GET");
    assertThat(ap.rules().get(0).when().get(0).values()).containsExactly("v1", "v2");
    assertThat(errors(String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: x}",
        "spec:",
        "  rules:",
        "  - to:",
        "    - operation: {verbs: [GET]}",
        "")))
        .singleElement().asString()
        .isEqualTo("f.yaml:7: AuthorizationPolicy x: rules.to.operation: unknown field 'verbs'");
    assertThat(errors(String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata: {name: x}",
        "spec:",
        "  rules:",
        "  - from:",
        "    - source: {ipBlocks: [10.0.0.0/33]}",
        "")))
        .singleElement().asString().contains("'10.0.0.0/33' is not an IP address or CIDR range");
    assertThat(SecurityParser.isCidr("10.1.2.3")).isTrue();
    assertThat(SecurityParser.isCidr("fd00::/8")).isTrue();
    assertThat(SecurityParser.isCidr("ten")).isFalse();
  }

  @Test
  void requestAuthenticationAndTelemetry() {
    var ra = (dev.jmesh.controlplane.config.RequestAuthentication) one(String.join("\n",
        "apiVersion: security.istio.io/v1",
        "kind: RequestAuthentication",
        "metadata: {name: jwt}",
        "spec:",
        "  selector: {matchLabels: {app: productpage}}",
        "  jwtRules:",
        "  - issuer: https://accounts.example.com",
        "    jwksUri: file:///etc/jmesh/jwks.json",
        "    audiences: [bookinfo]",
        "    fromHeaders: [{name: x-jwt}, {name: authorization, prefix: 'Bearer '}]",
        "    forwardOriginalToken: true",
        ""));
    assertThat(ra.jwtRules().get(0).fromHeaders()).containsExactly(
        new dev.jmesh.controlplane.config.RequestAuthentication.JwtHeader("x-jwt", ""),
        new dev.jmesh.controlplane.config.RequestAuthentication.JwtHeader("authorization",
            "Bearer "));
    assertThat(ra.jwtRules().get(0).forwardOriginalToken()).isTrue();

    var t = (dev.jmesh.controlplane.config.Telemetry) one(String.join("\n",
        "apiVersion: telemetry.istio.io/v1",
        "kind: Telemetry",
        "metadata: {name: mesh-default, namespace: istio-system}",
        "spec:",
        "  tracing:",
        "  - providers: [{name: otel}]",
        "    randomSamplingPercentage: 10",
        "    customTags: {team: {literal: {value: payments}}}",
        "  accessLogging:",
        "  - providers: [{name: envoy}]",
        "    filter: {expression: response.code >= 400}",
        "  metrics:",
        "  - providers: [{name: prometheus}]",
        "    overrides:",
        "    - match: {metric: REQUEST_COUNT, mode: CLIENT}",
        "      tagOverrides: {request_protocol: {operation: REMOVE}}",
        ""));
    assertThat(t.tracing().get(0).randomSamplingPercentage()).isEqualTo(10.0);
    assertThat(t.tracing().get(0).customTagLiterals()).containsEntry("team", "payments");
    assertThat(t.accessLogging().get(0).filter()).isEqualTo("response.code >= 400");
    assertThat(t.metrics().get(0).overrides().get(0).tagOverrides())
        .containsEntry("request_protocol", "");
    assertThat(errors(String.join("\n",
        "apiVersion: telemetry.istio.io/v1",
        "kind: Telemetry",
        "metadata: {name: t}",
        "spec:",
        "  metrics:",
        "  - overrides:",
        "    - match: {metric: REQUEST_COUNTS}",
        ""))).singleElement().asString()
        .startsWith("f.yaml:7: Telemetry t: metrics.overrides.match.metric: 'REQUEST_COUNTS' is"
            + " not one of");
  }

  @Test
  void virtualServiceFieldErrorsNameTheirLine() {
    String vs = String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: VirtualService",
        "metadata: {name: r}",
        "spec:",
        "  hosts: [reviews]",
        "  http:",
        "  - match:",
        "    - uri:",
        "        regex: '(unclosed'",
        "    route:",
        "    - destination: {host: reviews}",
        "");
    assertThat(errors(vs)).singleElement().asString()
        .startsWith("f.yaml:9: VirtualService r: match.uri: regex '(unclosed' is not valid RE2");
    assertThat(errors(vs.replace("regex: '(unclosed'", "prefix: /").replace("    route:",
        "    timeout: soon\n    route:")))
        .containsExactly("f.yaml:10: VirtualService r: http.timeout: 'soon' is not a duration"
            + " (use e.g. 5s, 100ms, 1m)");
    assertThat(errors(vs.replace("regex: '(unclosed'", "prefix: /").replace("    route:",
        "    fault:\n      abort:\n        httpStatus: 700\n    route:")))
        .containsExactly("f.yaml:12: VirtualService r: fault.abort.httpStatus: must be 200-599");
  }

  @Test
  void aBrokenDocumentDoesNotHideTheOthers() {
    ResourceParser.FileContents c = ResourceParser.parseResources("f.yaml", String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: DestinationRule",
        "metadata: {name: a}",
        "spec: {}",
        "---",
        "apiVersion: networking.istio.io/v1",
        "kind: DestinationRule",
        "metadata: {name: b}",
        "spec: {host: b}",
        ""));
    assertThat(c.resources()).extracting(ConfigResource::name).containsExactly("b");
    assertThat(c.diagnostics()).singleElement().asString()
        .isEqualTo("f.yaml:4: DestinationRule a: host is required");
  }

  private static String localityRule(String... setting) {
    StringBuilder sb = new StringBuilder(String.join("\n",
        "apiVersion: networking.istio.io/v1",
        "kind: DestinationRule",
        "metadata: {name: geo}",
        "spec:",
        "  host: geo.internal",
        "  trafficPolicy:",
        "    loadBalancer:",
        "      localityLbSetting:",
        ""));
    for (String line : setting) {
      sb.append("        ").append(line).append('\n');
    }
    return sb.toString();
  }

  @Test
  void localityLbSetting() {
    var dr = (dev.jmesh.controlplane.config.DestinationRule) one(localityRule(
        "enabled: true",
        "distribute:",
        "- from: us-east/a/*",
        "  to: {\"us-east/a/*\": 70, \"us-east/b\": 30}",
        "failoverPriority: [topology.istio.io/network, \"topology.kubernetes.io/region=r1\"]"));
    var lb = dr.trafficPolicy().loadBalancer().localityLbSetting();
    assertThat(lb.enabled()).isTrue();
    assertThat(lb.distribute()).singleElement().satisfies(d -> {
      assertThat(d.from()).isEqualTo("us-east/a/*");
      assertThat(d.to()).containsExactly(java.util.Map.entry("us-east/a/*", 70),
          java.util.Map.entry("us-east/b", 30));
    });
    assertThat(lb.failoverPriority()).containsExactly("topology.istio.io/network",
        "topology.kubernetes.io/region=r1");
    var failover = (dev.jmesh.controlplane.config.DestinationRule) one(localityRule(
        "enabled: false", "failover: [{from: us-east, to: eu-west}]"));
    assertThat(failover.trafficPolicy().loadBalancer().localityLbSetting().failover())
        .containsExactly(new dev.jmesh.controlplane.config.DestinationRule.Failover(
            "us-east", "eu-west"));
    assertThat(failover.trafficPolicy().loadBalancer().localityLbSetting().enabled()).isFalse();
  }

  @Test
  void localityLbSettingErrors() {
    assertThat(errors(localityRule("distribute:", "- from: us-east/*",
        "  to: {us-east/a: 60, us-east/b: 30}"))).singleElement().asString()
        .contains("f.yaml:10:", "the weights of 'to' add up to 90, not 100");
    assertThat(errors(localityRule("failover: [{from: us-east, to: us-east}]")))
        .singleElement().asString().contains("from and to are the same region 'us-east'");
    assertThat(errors(localityRule("failover: [{from: us-east/a, to: eu-west}]")))
        .singleElement().asString().contains("from and to are regions");
    assertThat(errors(localityRule("distribute: [{from: \"*/a\", to: {us-east: 100}}]")))
        .singleElement().asString().contains("'*/a' is not a locality");
    assertThat(errors(localityRule("distribute: [{from: us-east, to: {us-east: 100}}]",
        "failover: [{from: us-east, to: eu-west}]")))
        .singleElement().asString().contains("give either distribute or failover, not both");
  }

  @Test
  void durations() {
    assertThat(Durations.parse("7s")).hasSeconds(7);
    assertThat(Durations.parse("0.5s")).hasMillis(500);
    assertThat(Durations.parse("100ms")).hasMillis(100);
    assertThat(Durations.parse("1m30s")).hasSeconds(90);
    assertThat(Durations.parse("1h")).hasHours(1);
    assertThat(Durations.parse("5")).isNull();
    assertThat(Durations.parse("-1s")).isNull();
  }
}
