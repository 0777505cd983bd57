package dev.jmesh.dataplane.accesslog;

import dev.jmesh.dataplane.record.RequestRecord;
import dev.jmesh.dataplane.record.RequestRecordSnapshot;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One Envoy command operator ({@code %RESPONSE_CODE%}, {@code %REQ(:AUTHORITY)%}...) over a request
 * record: the value it prints, read on the access log's writer thread. A value is a {@link
 * CharSequence}, a {@link Long} (a number: JSON keeps it a number) or {@code null} when the record
 * does not know it (Envoy prints {@code -}).
 *
 * @param name the operator as written, for messages
 * @param value reads the value from a record
 * @param maxLength the {@code :N} truncation of {@code REQ}/{@code RESP}, 0 for none
 */
record LogOperator(String name, Function<RequestRecordSnapshot, Object> value, int maxLength) {

  /** The operators without arguments, by name: what the records carry. */
  private static final Map<String, Function<RequestRecordSnapshot, Object>> PLAIN =
      Map.ofEntries(
          Map.entry("START_TIME", r -> StartTime.format(r.startEpochMillis())),
          Map.entry("PROTOCOL", RequestRecordSnapshot::protocolVersion),
          Map.entry("RESPONSE_CODE", r -> (long) r.responseCode()),
          Map.entry("RESPONSE_FLAGS", RequestRecordSnapshot::responseFlagsText),
          Map.entry("RESPONSE_CODE_DETAILS", RequestRecordSnapshot::responseCodeDetails),
          // Neither is known to the data path: Envoy prints "-" for them on a normal request.
          Map.entry("CONNECTION_TERMINATION_DETAILS", r -> null),
          Map.entry("UPSTREAM_TRANSPORT_FAILURE_REASON", r -> null),
          Map.entry("BYTES_RECEIVED", r -> r.bytesReceived()),
          Map.entry("BYTES_SENT", r -> r.bytesSent()),
          Map.entry("DURATION", r -> r.durationNanos() / 1_000_000L),
          Map.entry("UPSTREAM_HOST", RequestRecordSnapshot::upstreamHost),
          Map.entry("UPSTREAM_CLUSTER", RequestRecordSnapshot::cluster),
          Map.entry("UPSTREAM_CLUSTER_RAW", RequestRecordSnapshot::cluster),
          Map.entry("UPSTREAM_LOCAL_ADDRESS", r -> address(r.upstreamLocalAddress())),
          Map.entry("DOWNSTREAM_LOCAL_ADDRESS", r -> address(r.downstreamLocalAddress())),
          Map.entry("DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT", r -> ip(r.downstreamLocalAddress())),
          Map.entry("DOWNSTREAM_LOCAL_PORT", r -> port(r.downstreamLocalAddress())),
          Map.entry("DOWNSTREAM_REMOTE_ADDRESS", r -> address(r.downstreamRemoteAddress())),
          Map.entry("DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", r -> ip(r.downstreamRemoteAddress())),
          Map.entry("DOWNSTREAM_REMOTE_PORT", r -> port(r.downstreamRemoteAddress())),
          Map.entry("DOWNSTREAM_PEER_URI_SAN", RequestRecordSnapshot::peerPrincipal),
          Map.entry("REQUESTED_SERVER_NAME", RequestRecordSnapshot::requestedServerName),
          Map.entry("ROUTE_NAME", RequestRecordSnapshot::route),
          Map.entry("GRPC_STATUS", r -> GrpcStatusNames.of(r.grpcStatus())),
          Map.entry(
              "GRPC_STATUS_NUMBER",
              r -> r.grpcStatus() == RequestRecord.NO_GRPC_STATUS ? null : (long) r.grpcStatus()));

  /** The request headers the records carry, lower case. */
  private static final Map<String, Function<RequestRecordSnapshot, Object>> REQUEST_HEADERS =
      Map.of(
          ":method", RequestRecordSnapshot::method,
          ":path", RequestRecordSnapshot::path,
          // The record keeps the path as received, before any rewrite: the original path.
          "x-envoy-original-path", RequestRecordSnapshot::path,
          ":authority", RequestRecordSnapshot::authority,
          "host", RequestRecordSnapshot::authority,
          "user-agent", RequestRecordSnapshot::userAgent,
          "x-forwarded-for", RequestRecordSnapshot::forwardedFor,
          "x-request-id", RequestRecordSnapshot::requestId);

  /** The response headers the records carry, lower case. */
  private static final Map<String, Function<RequestRecordSnapshot, Object>> RESPONSE_HEADERS =
      Map.of(
          "x-envoy-upstream-service-time",
          r ->
              r.upstreamNanos() == RequestRecord.NO_UPSTREAM_TIME
                  ? null
                  : Long.toString(r.upstreamNanos() / 1_000_000L));

  /**
   * The operator {@code name} with {@code argument} ({@code null} without parentheses) and {@code
   * maxLength} ({@code :N}, 0 for none).
   *
   * @throws IllegalArgumentException naming the operator when it is not one the records carry
   */
  static LogOperator of(String name, String argument, int maxLength) {
    String written =
        "%"
            + name
            + (argument == null ? "" : "(" + argument + ")")
            + (maxLength > 0 ? ":" + maxLength : "")
            + "%";
    switch (name) {
      case "REQ":
        return header(written, argument, maxLength, REQUEST_HEADERS, "request");
      case "RESP":
        return header(written, argument, maxLength, RESPONSE_HEADERS, "response");
      default:
        break;
    }
    Function<RequestRecordSnapshot, Object> plain = PLAIN.get(name);
    if (plain == null) {
      throw new IllegalArgumentException(
          "operator "
              + written
              + " is not supported (docs/telemetry.md lists what request records carry)");
    }
    if (argument != null) {
      throw new IllegalArgumentException(
          "operator " + written + ": %" + name + "% takes no argument (write %" + name + "%)");
    }
    if (maxLength > 0) {
      throw new IllegalArgumentException(
          "operator " + written + ": only REQ and RESP take a length (:N)");
    }
    return new LogOperator(written, plain, 0);
  }

  private static LogOperator header(
      String written,
      String argument,
      int maxLength,
      Map<String, Function<RequestRecordSnapshot, Object>> known,
      String side) {
    if (argument == null || argument.isEmpty()) {
      throw new IllegalArgumentException(
          "operator " + written + " needs a header name, e.g. %REQ(:AUTHORITY)%");
    }
    // X?Y: the first header when present, else the second (X-ENVOY-ORIGINAL-PATH?:PATH).
    String[] alternatives = argument.split("\\?", -1);
    if (alternatives.length > 2) {
      throw new IllegalArgumentException(
          "operator " + written + ": at most one alternative (FIRST?SECOND)");
    }
    Function<RequestRecordSnapshot, Object> first =
        headerValue(written, alternatives[0], known, side);
    Function<RequestRecordSnapshot, Object> value = first;
    if (alternatives.length == 2) {
      Function<RequestRecordSnapshot, Object> second =
          headerValue(written, alternatives[1], known, side);
      value =
          r -> {
            Object v = first.apply(r);
            return v != null ? v : second.apply(r);
          };
    }
    return new LogOperator(written, value, maxLength);
  }

  private static Function<RequestRecordSnapshot, Object> headerValue(
      String written,
      String header,
      Map<String, Function<RequestRecordSnapshot, Object>> known,
      String side) {
    Function<RequestRecordSnapshot, Object> f = known.get(header.trim().toLowerCase(Locale.ROOT));
    if (f == null) {
      throw new IllegalArgumentException(
          "operator "
              + written
              + ": the "
              + side
              + " header "
              + header
              + " is not kept in request records; these are: "
              + new TreeSet<>(known.keySet()));
    }
    return f;
  }

  /** The value for {@code record}, truncated to {@link #maxLength} when it is text. */
  Object valueOf(RequestRecordSnapshot record) {
    Object v = value.apply(record);
    if (v instanceof CharSequence s && s.length() == 0) {
      return null;
    }
    if (maxLength > 0 && v instanceof CharSequence s && s.length() > maxLength) {
      return s.subSequence(0, maxLength);
    }
    return v;
  }

  /** {@code ip:port}, an IPv6 address in brackets, as Envoy prints addresses. */
  static String address(SocketAddress a) {
    if (!(a instanceof InetSocketAddress inet)) {
      return a == null ? null : a.toString();
    }
    String ip = ip(inet);
    return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + inet.getPort();
  }

  private static String ip(SocketAddress a) {
    if (!(a instanceof InetSocketAddress inet)) {
      return a == null ? null : a.toString();
    }
    return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
  }

  private static Long port(SocketAddress a) {
    return a instanceof InetSocketAddress inet ? (long) inet.getPort() : null;
  }
}
