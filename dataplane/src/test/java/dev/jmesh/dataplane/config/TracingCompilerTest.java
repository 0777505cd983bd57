package dev.jmesh.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import dev.jmesh.dataplane.trace.SpanTarget;
import dev.jmesh.dataplane.trace.Tracing;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The connection manager's {@code tracing}, as istiod writes it, compiled or NACKed. */
class TracingCompilerTest {

  private static final String REVIEWS = "reviews.default.svc.cluster.local:9080";
  private static final String COLLECTOR = "outbound|4317||otel.istio-system.svc.cluster.local";
  private static final String COLLECTOR_HTTP = "outbound|4318||otel.istio-system.svc.cluster.local";

  private static Listener listener(HttpConnectionManager.Tracing tracing) {
    HttpConnectionManager.Builder hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(REVIEWS)
            .setRds(
                Rds.newBuilder()
                    .setConfigSource(
                        ConfigSource.newBuilder()
                            .setAds(AggregatedConfigSource.getDefaultInstance()))
                    .setRouteConfigName(REVIEWS))
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router")
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())));
    if (tracing != null) {
      hcm.setTracing(tracing);
    }
    return Listener.newBuilder()
        .setName(REVIEWS)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm.build())))
        .build();
  }

  /** What istiod writes for an {@code opentelemetry} provider. */
  private static HttpConnectionManager.Tracing.Builder istiod(double percent) {
    OpenTelemetryConfig otel =
        OpenTelemetryConfig.newBuilder()
            .setServiceName("reviews.default")
            .setGrpcService(
                GrpcService.newBuilder()
                    .setEnvoyGrpc(
                        GrpcService.EnvoyGrpc.newBuilder()
                            .setClusterName(COLLECTOR)
                            .setAuthority("otel.istio-system.svc.cluster.local")))
            .build();
    return HttpConnectionManager.Tracing.newBuilder()
        .setRandomSampling(Percent.newBuilder().setValue(percent))
        .addCustomTags(
            CustomTag.newBuilder()
                .setTag("istio.canonical_service")
                .setLiteral(CustomTag.Literal.newBuilder().setValue("reviews")))
        .setProvider(
            io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                .setName("envoy.tracers.opentelemetry")
                .setTypedConfig(Any.pack(otel)));
  }

  private static MeshSnapshot.Compilation compile(MeshSnapshot base, Listener l) {
    return base.withListeners(Map.of(l.getName(), l));
  }

  @Test
  void istiodsOpenTelemetryTracerCompiles() {
    MeshSnapshot.Compilation c = compile(MeshSnapshot.EMPTY, listener(istiod(25).build()));
    assertThat(c.rejections()).isEmpty();
    Tracing t = c.snapshot().listener(REVIEWS).tracing();
    assertThat(t.samplingPercent()).isEqualTo(25);
    assertThat(t.serviceName()).isEqualTo("reviews.default");
    assertThat(t.target())
        .isEqualTo(
            new SpanTarget(
                COLLECTOR,
                "otel.istio-system.svc.cluster.local",
                null,
                TracingCompiler.DEFAULT_TIMEOUT_MILLIS));
    assertThat(t.tags()).containsEntry("istio.canonical_service", "reviews");
  }

  private static HttpConnectionManager.Tracing.Builder withHttp(
      HttpConnectionManager.Tracing.Builder tracing, String uri) throws Exception {
    OpenTelemetryConfig otel =
        tracing.getProvider().getTypedConfig().unpack(OpenTelemetryConfig.class).toBuilder()
            .clearGrpcService()
            .setHttpService(
                HttpService.newBuilder()
                    .setHttpUri(HttpUri.newBuilder().setUri(uri).setCluster(COLLECTOR_HTTP)))
            .build();
    return tracing.setProvider(tracing.getProvider().toBuilder().setTypedConfig(Any.pack(otel)));
  }

  @Test
  void anHttpServiceExportsOverOtlpHttpToItsCluster() throws Exception {
    MeshSnapshot.Compilation c =
        compile(
            MeshSnapshot.EMPTY,
            listener(withHttp(istiod(25), "http://otel.istio-system:4318/v1/traces").build()));
    assertThat(c.rejections()).isEmpty();
    assertThat(c.snapshot().listener(REVIEWS).tracing().target())
        .isEqualTo(
            new SpanTarget(
                COLLECTOR_HTTP,
                "otel.istio-system",
                "otel.istio-system:4318",
                TracingCompiler.DEFAULT_TIMEOUT_MILLIS,
                "/v1/traces"));
  }

  @Test
  void noTracingIsNull() {
    MeshSnapshot.Compilation c = compile(MeshSnapshot.EMPTY, listener(null));
    assertThat(c.snapshot().listener(REVIEWS).tracing()).isNull();
  }

  @Test
  void withoutAProviderSpansAreDecidedButNotReported() {
    MeshSnapshot.Compilation c =
        compile(MeshSnapshot.EMPTY, listener(istiod(10).clearProvider().build()));
    assertThat(c.rejections()).isEmpty();
    assertThat(c.snapshot().listener(REVIEWS).tracing().target()).isNull();
  }

  @Test
  void whatCannotBeDoneIsNackedAndTheLastGoodTracingStays() throws Exception {
    MeshSnapshot good = compile(MeshSnapshot.EMPTY, listener(istiod(25).build())).snapshot();
    MeshSnapshot.Compilation bad =
        compile(good, listener(withHttp(istiod(25), "https://otel:4318/v1/traces").build()));
    assertThat(bad.rejections())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.toString())
                    .contains(REVIEWS)
                    .contains("tracing.provider.typed_config.http_service.http_uri.uri")
                    .contains("https is not supported"));
    assertThat(bad.snapshot().listener(REVIEWS).tracing().samplingPercent()).isEqualTo(25);

    HttpConnectionManager.Tracing zipkin =
        istiod(25)
            .setProvider(
                io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                    .setName("envoy.tracers.zipkin")
                    .setTypedConfig(Any.pack(ZipkinConfig.getDefaultInstance())))
            .build();
    assertThat(compile(good, listener(zipkin)).rejections())
        .singleElement()
        .satisfies(
            r -> assertThat(r.toString()).contains("tracer envoy.tracers.zipkin is not supported"));

    HttpConnectionManager.Tracing headerTag =
        istiod(25)
            .addCustomTags(
                CustomTag.newBuilder()
                    .setTag("user")
                    .setRequestHeader(CustomTag.Header.newBuilder().setName("x-user")))
            .build();
    assertThat(compile(good, listener(headerTag)).rejections())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.toString())
                    .contains("tracing.custom_tags[1]")
                    .contains("only literal tags are supported"));
  }
}
