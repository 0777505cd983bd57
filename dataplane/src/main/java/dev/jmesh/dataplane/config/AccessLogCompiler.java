package dev.jmesh.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.jmesh.dataplane.accesslog.AccessLog;
import dev.jmesh.dataplane.accesslog.AccessLogFormat;
import dev.jmesh.dataplane.accesslog.AccessLogSink;
import dev.jmesh.dataplane.accesslog.AccessLogWriter;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles an HTTP connection manager's {@code access_log}: Envoy's file access log ({@code
 * envoy.access_loggers.file}) with a text or JSON format, as istiod writes it. Anything else — a
 * filter, another logger, an operator the request records do not carry — is refused with the field
 * and the reason, so the listener is NACKed and the last good one stays.
 */
final class AccessLogCompiler {

  static final String FILE_LOGGER = "envoy.access_loggers.file";

  private static final Set<String> ACCESS_LOG = Set.of("name", "typed_config");
  private static final Set<String> FILE = Set.of("path", "log_format", "format", "json_format");
  private static final Set<String> FORMAT =
      Set.of("text_format_source", "text_format", "json_format", "json_format_options");
  private static final Set<String> DATA_SOURCE = Set.of("inline_string");

  private AccessLogCompiler() {}

  /** The compiled logs, {@code null} when there are none (the request path then skips them). */
  static AccessLog compile(List<io.envoyproxy.envoy.config.accesslog.v3.AccessLog> logs)
      throws InvalidConfigException {
    if (logs.isEmpty()) {
      return null;
    }
    List<AccessLogSink> sinks = new ArrayList<>();
    for (int i = 0; i < logs.size(); i++) {
      String at = "access_log[" + i + "]";
      sinks.add(sink(logs.get(i), at));
    }
    return new AccessLog(sinks, AccessLogWriter.shared());
  }

  private static AccessLogSink sink(
      io.envoyproxy.envoy.config.accesslog.v3.AccessLog log, String at)
      throws InvalidConfigException {
    if (log.hasFilter()) {
      throw new InvalidConfigException(
          at + ".filter", "access log filters are not supported; log every request");
    }
    SupportedFields.check(log, at, ACCESS_LOG);
    Any config = log.getTypedConfig();
    if (!config.is(FileAccessLog.class)) {
      throw new InvalidConfigException(
          at + ".typed_config",
          "logger "
              + log.getName()
              + " ("
              + config.getTypeUrl()
              + ") not supported; only "
              + FILE_LOGGER
              + " (FileAccessLog) is");
    }
    FileAccessLog file;
    try {
      file = config.unpack(FileAccessLog.class);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidConfigException(at + ".typed_config", "cannot be parsed: " + e.getMessage());
    }
    String fat = at + ".typed_config";
    SupportedFields.check(file, fat, FILE);
    String path = file.getPath();
    if (path.isEmpty() || !path.startsWith("/")) {
      throw new InvalidConfigException(
          fat + ".path",
          "'" + path + "' must be an absolute file path, /dev/stdout or /dev/stderr");
    }
    try {
      return new AccessLogSink(path, format(file, fat));
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(fat + ".log_format", e.getMessage());
    }
  }

  private static AccessLogFormat format(FileAccessLog file, String at)
      throws InvalidConfigException {
    switch (file.getAccessLogFormatCase()) {
      case FORMAT:
        return AccessLogFormat.text(file.getFormat());
      case JSON_FORMAT:
        return AccessLogFormat.json(struct(file.getJsonFormat()));
      case LOG_FORMAT:
        break;
      default:
        // No format: Envoy's own default line, which Istio's text format extends.
        return AccessLogFormat.text(AccessLogFormat.ISTIO_TEXT);
    }
    SubstitutionFormatString f = file.getLogFormat();
    SupportedFields.check(f, at + ".log_format", FORMAT);
    switch (f.getFormatCase()) {
      case TEXT_FORMAT:
        return AccessLogFormat.text(f.getTextFormat());
      case TEXT_FORMAT_SOURCE:
        DataSource source = f.getTextFormatSource();
        SupportedFields.check(source, at + ".log_format.text_format_source", DATA_SOURCE);
        return AccessLogFormat.text(source.getInlineString());
      case JSON_FORMAT:
        return AccessLogFormat.json(struct(f.getJsonFormat()));
      default:
        throw new InvalidConfigException(
            at + ".log_format", "give text_format_source (inline_string) or json_format");
    }
  }

  private static Map<String, Object> struct(Struct s) {
    Map<String, Object> out = new LinkedHashMap<>();
    s.getFieldsMap().forEach((k, v) -> out.put(k, value(v)));
    return out;
  }

  private static Object value(Value v) {
    return switch (v.getKindCase()) {
      case STRING_VALUE -> v.getStringValue();
      case STRUCT_VALUE -> struct(v.getStructValue());
      case NUMBER_VALUE -> v.getNumberValue();
      case BOOL_VALUE -> v.getBoolValue();
      case NULL_VALUE, KIND_NOT_SET -> null;
      case LIST_VALUE -> list(v.getListValue());
    };
  }

  private static Object list(ListValue l) {
    throw new IllegalArgumentException(
        "a list (" + l.getValuesCount() + " values) is not a supported json_format value");
  }
}
