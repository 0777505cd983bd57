package dev.jmesh.controlplane.internal.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.jmesh.controlplane.config.MeshConfig;
import dev.jmesh.controlplane.config.Telemetry;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The access logs of a proxy's HTTP connection managers, as istiod decides them: the Telemetry
 * API's {@code accessLogging} of the most specific level that has any (the workload's, by {@code
 * selector}, then its namespace's, then the mesh's in the root namespace), else MeshConfig's {@code
 * accessLogFile}. Providers are the built-in {@code envoy} (MeshConfig's file, or {@code
 * /dev/stdout}, in MeshConfig's encoding and format) and {@code extensionProviders} of kind {@code
 * envoyFileAccessLog}; other kinds write no file log. See {@code docs/telemetry.md}.
 */
final class AccessLogBuilder {

  /** Istio's default text format ({@code EnvoyTextLogFormat}), newline included. */
  static final String ISTIO_TEXT =
      "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\""
          + " %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%"
          + " %CONNECTION_TERMINATION_DETAILS% \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\""
          + " %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%"
          + " \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\""
          + " \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER_RAW%"
          + " %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%"
          + " %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n";

  /** Istio's default JSON keys ({@code EnvoyJSONLogFormatIstio}). */
  static final String ISTIO_JSON =
      "{"
          + "\"start_time\":\"%START_TIME%\","
          + "\"route_name\":\"%ROUTE_NAME%\","
          + "\"method\":\"%REQ(:METHOD)%\","
          + "\"path\":\"%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%\","
          + "\"protocol\":\"%PROTOCOL%\","
          + "\"response_code\":\"%RESPONSE_CODE%\","
          + "\"response_flags\":\"%RESPONSE_FLAGS%\","
          + "\"response_code_details\":\"%RESPONSE_CODE_DETAILS%\","
          + "\"connection_termination_details\":\"%CONNECTION_TERMINATION_DETAILS%\","
          + "\"bytes_received\":\"%BYTES_RECEIVED%\","
          + "\"bytes_sent\":\"%BYTES_SENT%\","
          + "\"duration\":\"%DURATION%\","
          + "\"upstream_service_time\":\"%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%\","
          + "\"x_forwarded_for\":\"%REQ(X-FORWARDED-FOR)%\","
          + "\"user_agent\":\"%REQ(USER-AGENT)%\","
          + "\"request_id\":\"%REQ(X-REQUEST-ID)%\","
          + "\"authority\":\"%REQ(:AUTHORITY)%\","
          + "\"upstream_host\":\"%UPSTREAM_HOST%\","
          + "\"upstream_cluster\":\"%UPSTREAM_CLUSTER_RAW%\","
          + "\"upstream_local_address\":\"%UPSTREAM_LOCAL_ADDRESS%\","
          + "\"downstream_local_address\":\"%DOWNSTREAM_LOCAL_ADDRESS%\","
          + "\"downstream_remote_address\":\"%DOWNSTREAM_REMOTE_ADDRESS%\","
          + "\"requested_server_name\":\"%REQUESTED_SERVER_NAME%\","
          + "\"upstream_transport_failure_reason\":\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\""
          + "}";

  static final String ENVOY_PROVIDER = "envoy";
  static final String FILE_PROVIDER_KIND = "envoyFileAccessLog";
  static final String STDOUT = "/dev/stdout";
  static final String FILE_LOGGER = "envoy.access_loggers.file";

  private AccessLogBuilder() {}

  /** The access logs every HTTP connection manager of the proxy carries; empty for none. */
  static List<AccessLog> forProxy(MeshSnapshot snapshot, ProxyNode node) {
    MeshConfig mesh = snapshot.meshConfig();
    List<Telemetry.AccessLogging> entries = mostSpecific(snapshot, node);
    Set<String> providers = new LinkedHashSet<>();
    if (entries == null) {
      if (mesh.accessLog().file().isEmpty()) {
        return List.of();
      }
      providers.add(ENVOY_PROVIDER);
    } else {
      for (Telemetry.AccessLogging e : entries) {
        List<String> named = e.providers().isEmpty() ? List.of(ENVOY_PROVIDER) : e.providers();
        if (e.disabled()) {
          providers.removeAll(named);
        } else {
          providers.addAll(named);
        }
      }
    }
    List<AccessLog> out = new ArrayList<>();
    for (String name : providers) {
      AccessLog log = provider(mesh, name);
      if (log != null) {
        out.add(log);
      }
    }
    return out;
  }

  /**
   * The {@code accessLogging} entries of the most specific level with any: the workload's Telemetry
   * (a selector matching its labels), its namespace's, the mesh's; {@code null} when no Telemetry
   * says anything about access logging.
   */
  private static List<Telemetry.AccessLogging> mostSpecific(MeshSnapshot snapshot, ProxyNode node) {
    List<List<Telemetry>> levels =
        TelemetryLevels.of(snapshot, node, t -> !t.accessLogging().isEmpty());
    for (int i = levels.size() - 1; i >= 0; i--) {
      if (!levels.get(i).isEmpty()) {
        // Several at one level: all of them.
        List<Telemetry.AccessLogging> entries = new ArrayList<>();
        levels.get(i).forEach(t -> entries.addAll(t.accessLogging()));
        return entries;
      }
    }
    return null;
  }

  private static AccessLog provider(MeshConfig mesh, String name) {
    for (MeshConfig.ExtensionProvider p : mesh.extensionProviders()) {
      if (p.name().equals(name)) {
        return p.type().equals(FILE_PROVIDER_KIND) ? fromProvider(p) : null;
      }
    }
    if (name.equals(ENVOY_PROVIDER)) {
      return fromMeshConfig(mesh.accessLog());
    }
    return null;
  }

  /** The built-in {@code envoy} provider: MeshConfig's file, encoding and format. */
  static AccessLog fromMeshConfig(MeshConfig.AccessLogSettings settings) {
    String path = settings.file().isEmpty() ? STDOUT : settings.file();
    if (settings.encoding() == MeshConfig.AccessLogEncoding.JSON) {
      return file(path, json(settings.format().isEmpty() ? ISTIO_JSON : settings.format()));
    }
    return file(path, text(settings.format()));
  }

  private static AccessLog fromProvider(MeshConfig.ExtensionProvider p) {
    String path = p.settings().getOrDefault("path", "");
    String labels = p.settings().get("logFormat.labels");
    SubstitutionFormatString format =
        labels != null
            ? json(labels.equals("{}") ? ISTIO_JSON : labels)
            : text(p.settings().getOrDefault("logFormat.text", ""));
    return file(path.isEmpty() ? STDOUT : path, format);
  }

  /** A text format; Istio ends every format with a newline. */
  private static SubstitutionFormatString text(String format) {
    String f = format.isEmpty() ? ISTIO_TEXT : format.endsWith("\n") ? format : format + "\n";
    return SubstitutionFormatString.newBuilder()
        .setTextFormatSource(DataSource.newBuilder().setInlineString(f))
        .build();
  }

  private static SubstitutionFormatString json(String object) {
    Struct.Builder struct = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(object, struct);
    } catch (InvalidProtocolBufferException e) {
      // Validated when mesh.yaml was read; a provider's labels are written by this class.
      throw new IllegalStateException("access log JSON format is not a JSON object: " + object, e);
    }
    return SubstitutionFormatString.newBuilder().setJsonFormat(struct).build();
  }

  private static AccessLog file(String path, SubstitutionFormatString format) {
    return AccessLog.newBuilder()
        .setName(FILE_LOGGER)
        .setTypedConfig(
            Any.pack(FileAccessLog.newBuilder().setPath(path).setLogFormat(format).build()))
        .build();
  }
}
