package dev.jmesh.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.jmesh.dataplane.accesslog.AccessLogSink;
import dev.jmesh.dataplane.record.RequestRecord;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.StatusCodeFilter;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The connection manager's {@code access_log}, as istiod writes it, compiled or NACKed. */
class AccessLogCompilerTest {

  private static final String REVIEWS = "reviews.default.svc.cluster.local:9080";

  private static Listener listener(AccessLog... logs) {
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
    for (AccessLog log : logs) {
      hcm.addAccessLog(log);
    }
    return Listener.newBuilder()
        .setName(REVIEWS)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm.build())))
        .build();
  }

  private static AccessLog file(String path, SubstitutionFormatString format) {
    FileAccessLog.Builder f = FileAccessLog.newBuilder().setPath(path);
    if (format != null) {
      f.setLogFormat(format);
    }
    return AccessLog.newBuilder()
        .setName("envoy.access_loggers.file")
        .setTypedConfig(Any.pack(f.build()))
        .build();
  }

  private static SubstitutionFormatString text(String format) {
    return SubstitutionFormatString.newBuilder()
        .setTextFormatSource(DataSource.newBuilder().setInlineString(format))
        .build();
  }

  private static MeshSnapshot.Compilation compile(MeshSnapshot base, Listener l) {
    return base.withListeners(Map.of(l.getName(), l));
  }

  private static String line(AccessLogSink sink, RequestRecord r) {
    StringBuilder out = new StringBuilder();
    sink.format().appendTo(out, r.snapshot());
    return out.toString();
  }

  @Test
  void aFileAccessLogWithTextFormatIsCompiled() {
    MeshSnapshot.Compilation c =
        compile(MeshSnapshot.EMPTY, listener(file("/dev/stdout", text("%RESPONSE_CODE%\n"))));

    assertThat(c.rejections()).isEmpty();
    var log = c.snapshot().listener(REVIEWS).accessLog();
    assertThat(log.sinks()).hasSize(1);
    assertThat(log.sinks().get(0).path()).isEqualTo("/dev/stdout");
    assertThat(line(log.sinks().get(0), new RequestRecord().responseCode(201))).isEqualTo("201\n");
  }

  @Test
  void aListenerWithoutAccessLogLogsNothing() {
    MeshSnapshot.Compilation c = compile(MeshSnapshot.EMPTY, listener());
    assertThat(c.rejections()).isEmpty();
    assertThat(c.snapshot().listener(REVIEWS).accessLog()).isNull();
  }

  @Test
  void jsonFormatKeepsItsKeys() {
    Struct json =
        Struct.newBuilder()
            .putFields("code", Value.newBuilder().setStringValue("%RESPONSE_CODE%").build())
            .putFields("id", Value.newBuilder().setStringValue("%REQ(X-REQUEST-ID)%").build())
            .build();
    MeshSnapshot.Compilation c =
        compile(
            MeshSnapshot.EMPTY,
            listener(
                file(
                    "/tmp/access.log",
                    SubstitutionFormatString.newBuilder().setJsonFormat(json).build())));

    assertThat(c.rejections()).isEmpty();
    AccessLogSink sink = c.snapshot().listener(REVIEWS).accessLog().sinks().get(0);
    assertThat(line(sink, new RequestRecord().responseCode(200).requestId("x1")))
        .isEqualTo("{\"code\":200,\"id\":\"x1\"}\n");
  }

  @Test
  void noFormatIsIstiosDefaultLine() {
    MeshSnapshot.Compilation c = compile(MeshSnapshot.EMPTY, listener(file("/dev/stdout", null)));
    AccessLogSink sink = c.snapshot().listener(REVIEWS).accessLog().sinks().get(0);
    assertThat(line(sink, new RequestRecord().request("GET", "a", "/x").responseCode(200)))
        .contains("\"GET /x -\" 200 - ");
  }

  @Test
  void anUnknownOperatorIsNackedByNameAndTheLastGoodListenerStays() {
    MeshSnapshot good =
        compile(MeshSnapshot.EMPTY, listener(file("/dev/stdout", text("%RESPONSE_CODE%\n"))))
            .snapshot();

    MeshSnapshot.Compilation bad =
        compile(good, listener(file("/dev/stdout", text("%RESPONSE_CODE% %FILTER_STATE(x)%\n"))));

    assertThat(bad.rejections())
        .extracting(ConfigRejection::message)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("Listener " + REVIEWS)
        .contains("access_log[0].typed_config.log_format")
        .contains("%FILTER_STATE(x)% is not supported");
    AccessLogSink kept = bad.snapshot().listener(REVIEWS).accessLog().sinks().get(0);
    assertThat(line(kept, new RequestRecord().responseCode(204))).isEqualTo("204\n");
  }

  @Test
  void otherLoggersFiltersAndRelativePathsAreNacked() {
    AccessLog stdout =
        AccessLog.newBuilder()
            .setName("envoy.access_loggers.stdout")
            .setTypedConfig(Any.pack(StdoutAccessLog.getDefaultInstance()))
            .build();
    assertThat(compile(MeshSnapshot.EMPTY, listener(stdout)).rejections())
        .extracting(ConfigRejection::message)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("only envoy.access_loggers.file (FileAccessLog) is");

    AccessLog filtered =
        file("/dev/stdout", null).toBuilder()
            .setFilter(
                AccessLogFilter.newBuilder()
                    .setStatusCodeFilter(StatusCodeFilter.getDefaultInstance()))
            .build();
    assertThat(compile(MeshSnapshot.EMPTY, listener(filtered)).rejections())
        .extracting(ConfigRejection::message)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("access_log[0].filter: access log filters are not supported");

    assertThat(compile(MeshSnapshot.EMPTY, listener(file("logs/a.log", null))).rejections())
        .extracting(ConfigRejection::message)
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("'logs/a.log' must be an absolute file path");
  }
}
