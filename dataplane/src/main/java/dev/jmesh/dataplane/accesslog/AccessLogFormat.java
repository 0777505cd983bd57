package dev.jmesh.dataplane.accesslog;

import dev.jmesh.dataplane.record.RequestRecordSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled Envoy access log format: a text format ({@code text_format_source}) or a JSON one
 * ({@code json_format}), turned into a line for one request record. Compiled once when the listener
 * arrives, so an operator the records do not carry is refused then, by name; formatting happens on
 * the access log's writer thread, never on the request path.
 *
 * <pre>{@code
 * AccessLogFormat format = AccessLogFormat.text(AccessLogFormat.ISTIO_TEXT);
 * StringBuilder line = new StringBuilder();
 * format.appendTo(line, record.snapshot());
 * }</pre>
 */
public abstract sealed class AccessLogFormat {

  /**
   * Istio's default text format ({@code EnvoyTextLogFormat} in {@code
   * pilot/pkg/model/telemetry_logging.go}), the one {@code accessLogFile} gets without {@code
   * accessLogFormat}.
   */
  public static final String ISTIO_TEXT =
      "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\""
          + " %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%"
          + " %CONNECTION_TERMINATION_DETAILS% \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\""
          + " %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%"
          + " \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\""
          + " \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER_RAW%"
          + " %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%"
          + " %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n";

  /** Istio's default JSON keys ({@code EnvoyJSONLogFormatIstio}), in this order. */
  public static final Map<String, String> ISTIO_JSON = istioJson();

  private AccessLogFormat() {}

  /**
   * Compiles a text format.
   *
   * @throws IllegalArgumentException saying which operator, or what of the syntax, is wrong
   */
  public static AccessLogFormat text(String format) {
    return new Text(parse(format));
  }

  /**
   * Compiles a JSON format: keys to string templates (each may hold operators), or to nested maps
   * of the same; other values (numbers, booleans) are printed as they are. A template that is one
   * operator alone keeps the operator's type: a number stays a number, an unknown value is {@code
   * null}.
   *
   * @throws IllegalArgumentException naming the key whose value is wrong
   */
  public static AccessLogFormat json(Map<String, ?> fields) {
    return new Json(compileJson(fields, ""));
  }

  /** Appends the line for {@code record}, its newline included. */
  public abstract void appendTo(StringBuilder out, RequestRecordSnapshot record);

  /** A text format: literal text and operators, one after another. */
  private static final class Text extends AccessLogFormat {
    private final Object[] parts;

    Text(List<Object> parts) {
      this.parts = parts.toArray();
    }

    @Override
    public void appendTo(StringBuilder out, RequestRecordSnapshot record) {
      for (Object part : parts) {
        if (part instanceof LogOperator op) {
          Object v = op.valueOf(record);
          if (v == null) {
            out.append('-');
          } else {
            out.append(v);
          }
        } else {
          out.append((String) part);
        }
      }
    }
  }

  /** A JSON format: an object per line. */
  private static final class Json extends AccessLogFormat {
    private final Map<String, Object> fields;

    Json(Map<String, Object> fields) {
      this.fields = fields;
    }

    @Override
    public void appendTo(StringBuilder out, RequestRecordSnapshot record) {
      appendObject(out, fields, record);
      out.append('\n');
    }

    @SuppressWarnings("unchecked")
    private static void appendObject(
        StringBuilder out, Map<String, Object> fields, RequestRecordSnapshot record) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : fields.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        dev.jmesh.dataplane.admin.Json.quote(out, e.getKey());
        out.append(':');
        Object v = e.getValue();
        if (v instanceof Map<?, ?> nested) {
          appendObject(out, (Map<String, Object>) nested, record);
        } else if (v instanceof LogOperator op) {
          Object value = op.valueOf(record);
          if (value == null) {
            out.append("null");
          } else if (value instanceof Long n) {
            out.append(n.longValue());
          } else {
            dev.jmesh.dataplane.admin.Json.quote(out, value.toString());
          }
        } else if (v instanceof List<?> parts) {
          StringBuilder text = new StringBuilder();
          new Text((List<Object>) parts).appendTo(text, record);
          dev.jmesh.dataplane.admin.Json.quote(out, text.toString());
        } else {
          out.append(v);
        }
      }
      out.append('}');
    }
  }

  private static Map<String, Object> compileJson(Map<String, ?> fields, String at) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : fields.entrySet()) {
      String key = at + e.getKey();
      Object v = e.getValue();
      try {
        if (v instanceof Map<?, ?> nested) {
          @SuppressWarnings("unchecked")
          Map<String, ?> m = (Map<String, ?>) nested;
          out.put(e.getKey(), compileJson(m, key + "."));
        } else if (v instanceof String template) {
          List<Object> parts = parse(template);
          out.put(
              e.getKey(), parts.size() == 1 && parts.get(0) instanceof LogOperator op ? op : parts);
        } else if (v instanceof Number || v instanceof Boolean || v == null) {
          out.put(e.getKey(), v == null ? "null" : v.toString());
        } else {
          throw new IllegalArgumentException(
              "a value must be a string, a number, a boolean or an object, not " + v);
        }
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("key " + key + ": " + ex.getMessage(), ex);
      }
    }
    return out;
  }

  /** Literal strings and operators, merged where literal. */
  static List<Object> parse(String format) {
    List<Object> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < format.length()) {
      char c = format.charAt(i);
      if (c != '%') {
        literal.append(c);
        i++;
        continue;
      }
      int start = i;
      int j = i + 1;
      while (j < format.length() && isNameChar(format.charAt(j))) {
        j++;
      }
      if (j == i + 1) {
        throw new IllegalArgumentException(
            "'%' at " + start + " starts no operator (an operator is %NAME%, e.g. %START_TIME%)");
      }
      String name = format.substring(i + 1, j);
      String argument = null;
      if (j < format.length() && format.charAt(j) == '(') {
        int close = format.indexOf(')', j);
        if (close < 0) {
          throw new IllegalArgumentException("%" + name + "( at " + start + " is not closed");
        }
        argument = format.substring(j + 1, close);
        j = close + 1;
      }
      int maxLength = 0;
      if (j < format.length() && format.charAt(j) == ':') {
        int k = j + 1;
        while (k < format.length() && Character.isDigit(format.charAt(k))) {
          k++;
        }
        if (k == j + 1) {
          throw new IllegalArgumentException(
              "%" + name + " at " + start + ": ':' must be followed by a length");
        }
        maxLength = Integer.parseInt(format.substring(j + 1, k));
        j = k;
      }
      if (j >= format.length() || format.charAt(j) != '%') {
        throw new IllegalArgumentException(
            "operator %" + name + " at " + start + " does not end with '%'");
      }
      if (literal.length() > 0) {
        parts.add(literal.toString());
        literal.setLength(0);
      }
      parts.add(LogOperator.of(name, argument, maxLength));
      i = j + 1;
    }
    if (literal.length() > 0) {
      parts.add(literal.toString());
    }
    return parts;
  }

  private static boolean isNameChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  private static Map<String, String> istioJson() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("start_time", "%START_TIME%");
    m.put("route_name", "%ROUTE_NAME%");
    m.put("method", "%REQ(:METHOD)%");
    m.put("path", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%");
    m.put("protocol", "%PROTOCOL%");
    m.put("response_code", "%RESPONSE_CODE%");
    m.put("response_flags", "%RESPONSE_FLAGS%");
    m.put("response_code_details", "%RESPONSE_CODE_DETAILS%");
    m.put("connection_termination_details", "%CONNECTION_TERMINATION_DETAILS%");
    m.put("bytes_received", "%BYTES_RECEIVED%");
    m.put("bytes_sent", "%BYTES_SENT%");
    m.put("duration", "%DURATION%");
    m.put("upstream_service_time", "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%");
    m.put("x_forwarded_for", "%REQ(X-FORWARDED-FOR)%");
    m.put("user_agent", "%REQ(USER-AGENT)%");
    m.put("request_id", "%REQ(X-REQUEST-ID)%");
    m.put("authority", "%REQ(:AUTHORITY)%");
    m.put("upstream_host", "%UPSTREAM_HOST%");
    m.put("upstream_cluster", "%UPSTREAM_CLUSTER_RAW%");
    m.put("upstream_local_address", "%UPSTREAM_LOCAL_ADDRESS%");
    m.put("downstream_local_address", "%DOWNSTREAM_LOCAL_ADDRESS%");
    m.put("downstream_remote_address", "%DOWNSTREAM_REMOTE_ADDRESS%");
    m.put("requested_server_name", "%REQUESTED_SERVER_NAME%");
    m.put("upstream_transport_failure_reason", "%UPSTREAM_TRANSPORT_FAILURE_REASON%");
    return java.util.Collections.unmodifiableMap(m);
  }
}
