package dev.jmesh.controlplane.internal.config;

import static dev.jmesh.controlplane.internal.config.Fields.fail;

import dev.jmesh.controlplane.config.ResourceMeta;
import dev.jmesh.controlplane.config.VirtualService;
import dev.jmesh.controlplane.config.VirtualService.Destination;
import dev.jmesh.controlplane.config.VirtualService.Fault;
import dev.jmesh.controlplane.config.VirtualService.HeaderOperations;
import dev.jmesh.controlplane.config.VirtualService.Headers;
import dev.jmesh.controlplane.config.VirtualService.HttpMatch;
import dev.jmesh.controlplane.config.VirtualService.HttpRoute;
import dev.jmesh.controlplane.config.VirtualService.L4Match;
import dev.jmesh.controlplane.config.VirtualService.RouteDestination;
import dev.jmesh.controlplane.internal.yaml.YamlNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/** Parses {@code networking.istio.io} VirtualService. */
final class VirtualServiceParser {
  private VirtualServiceParser() {}

  private static final Set<String> GRPC_STATUSES =
      Set.of(
          "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
          "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
          "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
          "UNAUTHENTICATED");

  static VirtualService parse(ResourceMeta meta, YamlNode spec) {
    List<String> hosts = spec.get("hosts").texts("hosts");
    if (hosts.isEmpty()) {
      throw fail(spec, "hosts: at least one host is required");
    }
    List<HttpRoute> http = new ArrayList<>();
    for (YamlNode r : spec.get("http").items("http")) {
      http.add(httpRoute(r));
    }
    List<VirtualService.TcpRoute> tcp = new ArrayList<>();
    for (YamlNode r : spec.get("tcp").items("tcp")) {
      tcp.add(new VirtualService.TcpRoute(l4Matches(r, "tcp"), destinations(r, "tcp"), r.line()));
    }
    List<VirtualService.TlsRoute> tls = new ArrayList<>();
    for (YamlNode r : spec.get("tls").items("tls")) {
      List<L4Match> matches = l4Matches(r, "tls");
      if (matches.isEmpty() || matches.stream().anyMatch(m -> m.sniHosts().isEmpty())) {
        throw fail(r, "tls: every match needs sniHosts");
      }
      tls.add(new VirtualService.TlsRoute(matches, destinations(r, "tls"), r.line()));
    }
    if (http.isEmpty() && tcp.isEmpty() && tls.isEmpty()) {
      throw fail(spec, "no http, tcp or tls routes: the VirtualService would do nothing");
    }
    return new VirtualService(
        meta, hosts, spec.get("gateways").texts("gateways"), http, tcp, tls,
        spec.get("exportTo").texts("exportTo"));
  }

  private static HttpRoute httpRoute(YamlNode r) {
    List<HttpMatch> matches = new ArrayList<>();
    for (YamlNode m : r.get("match").items("http.match")) {
      matches.add(
          new HttpMatch(
              m.get("name").text("match.name", ""),
              Fields.stringMatch(m.get("uri"), "match.uri"),
              Fields.stringMatch(m.get("scheme"), "match.scheme"),
              Fields.stringMatch(m.get("method"), "match.method"),
              Fields.stringMatch(m.get("authority"), "match.authority"),
              Fields.stringMatches(m.get("headers"), "match.headers"),
              Fields.stringMatches(m.get("withoutHeaders"), "match.withoutHeaders"),
              Fields.stringMatches(m.get("queryParams"), "match.queryParams"),
              Fields.port(m.get("port"), "match.port"),
              m.get("sourceLabels").stringMap("match.sourceLabels"),
              m.get("sourceNamespace").text("match.sourceNamespace", ""),
              m.get("ignoreUriCase").boolValue("match.ignoreUriCase", false),
              m.line()));
    }
    List<RouteDestination> route = destinations(r, "http");
    YamlNode redirectNode = r.get("redirect");
    VirtualService.Redirect redirect = null;
    if (redirectNode.isPresent()) {
      if (!route.isEmpty()) {
        throw fail(redirectNode, "http: give either route or redirect, not both");
      }
      int code = redirectNode.get("redirectCode").intValue("redirect.redirectCode", 301);
      if (code < 300 || code > 399) {
        throw fail(redirectNode, "redirect.redirectCode: " + code + " is not a 3xx status");
      }
      redirect =
          new VirtualService.Redirect(
              redirectNode.get("uri").text("redirect.uri", ""),
              redirectNode.get("authority").text("redirect.authority", ""),
              Fields.port(redirectNode.get("port"), "redirect.port"),
              redirectNode.get("scheme").text("redirect.scheme", ""),
              code);
    }
    VirtualService.DirectResponse directResponse = directResponse(r.get("directResponse"));
    if (directResponse != null && (!route.isEmpty() || redirect != null)) {
      throw fail(r.get("directResponse"),
          "http: give one of route, redirect or directResponse, not several");
    }
    if (route.isEmpty() && redirect == null && directResponse == null) {
      throw fail(r, "http: a route needs route destinations or a redirect");
    }
    YamlNode rewriteNode = r.get("rewrite");
    VirtualService.Rewrite rewrite = null;
    if (rewriteNode.isPresent()) {
      rewrite =
          new VirtualService.Rewrite(
              rewriteNode.get("uri").text("rewrite.uri", ""),
              rewriteNode.get("authority").text("rewrite.authority", ""));
    }
    YamlNode retriesNode = r.get("retries");
    VirtualService.Retry retries = null;
    if (retriesNode.isPresent()) {
      int attempts = retriesNode.get("attempts").intValue("retries.attempts", 0);
      if (attempts < 0) {
        throw fail(retriesNode, "retries.attempts: must not be negative");
      }
      retries =
          new VirtualService.Retry(
              attempts,
              Durations.read(retriesNode.get("perTryTimeout"), "retries.perTryTimeout"),
              retriesNode.get("retryOn").text("retries.retryOn", ""),
              retriesNode.get("retryRemoteLocalities")
                  .boolValue("retries.retryRemoteLocalities", false));
    }
    YamlNode mirrorNode = r.get("mirror");
    Destination mirror = mirrorNode.isPresent() ? destination(mirrorNode, "mirror") : null;
    Double mirrorPercentage = null;
    if (r.get("mirrorPercentage").isPresent()) {
      mirrorPercentage = r.path("mirrorPercentage", "value").doubleValue("mirrorPercentage.value");
    } else if (r.get("mirrorPercent").isPresent()) {
      mirrorPercentage = r.get("mirrorPercent").doubleValue("mirrorPercent");
    }
    Duration timeout = Durations.read(r.get("timeout"), "http.timeout");
    return new HttpRoute(
        r.get("name").text("http.name", ""),
        matches,
        route,
        redirect,
        rewrite,
        timeout,
        retries,
        fault(r.get("fault")),
        mirror,
        mirrorPercentage,
        headers(r.get("headers"), "headers"),
        directResponse,
        r.line());
  }

  /** HTTPDirectResponse: {@code status} (required, 200-599) and an optional one-of body. */
  private static VirtualService.DirectResponse directResponse(YamlNode node) {
    if (node.isMissing()) {
      return null;
    }
    int status = node.get("status").intValue("directResponse.status", -1);
    if (status == -1) {
      throw fail(node, "directResponse.status: is required (the HTTP status to answer with)");
    }
    if (status < 200 || status > 599) {
      throw fail(node, "directResponse.status: " + status + " is not an HTTP status in 200-599");
    }
    YamlNode body = node.get("body");
    if (body.isMissing()) {
      return new VirtualService.DirectResponse(status, null);
    }
    YamlNode string = body.get("string");
    YamlNode bytes = body.get("bytes");
    if (string.isPresent() == bytes.isPresent()) {
      throw fail(body, "directResponse.body: give exactly one of string or bytes");
    }
    if (string.isPresent()) {
      return new VirtualService.DirectResponse(status,
          string.text("directResponse.body.string").getBytes(StandardCharsets.UTF_8));
    }
    try {
      return new VirtualService.DirectResponse(status,
          Base64.getDecoder().decode(bytes.text("directResponse.body.bytes")));
    } catch (IllegalArgumentException e) {
      throw fail(bytes, "directResponse.body.bytes: not base64 (" + e.getMessage() + ")");
    }
  }

  private static Fault fault(YamlNode node) {
    if (node.isMissing()) {
      return null;
    }
    YamlNode delayNode = node.get("delay");
    Fault.Delay delay = null;
    if (delayNode.isPresent()) {
      Duration fixed = Durations.read(delayNode.get("fixedDelay"), "fault.delay.fixedDelay");
      if (fixed == null) {
        throw fail(delayNode, "fault.delay: fixedDelay is required");
      }
      delay = new Fault.Delay(fixed, Fields.percentage(delayNode, "fault.delay", 100));
    }
    YamlNode abortNode = node.get("abort");
    Fault.Abort abort = null;
    if (abortNode.isPresent()) {
      int status = abortNode.get("httpStatus").intValue("fault.abort.httpStatus", 0);
      String grpcStatus = abortNode.get("grpcStatus").text("fault.abort.grpcStatus", "");
      if (status == 0 && grpcStatus.isEmpty()) {
        throw fail(abortNode, "fault.abort: httpStatus or grpcStatus is required");
      }
      if (status != 0 && (status < 200 || status > 599)) {
        throw fail(abortNode.get("httpStatus"), "fault.abort.httpStatus: must be 200-599");
      }
      if (!grpcStatus.isEmpty() && !GRPC_STATUSES.contains(grpcStatus)) {
        throw fail(
            abortNode.get("grpcStatus"),
            "fault.abort.grpcStatus: '" + grpcStatus + "' is not a gRPC status name");
      }
      abort = new Fault.Abort(status, grpcStatus, Fields.percentage(abortNode, "fault.abort", 100));
    }
    if (delay == null && abort == null) {
      throw fail(node, "fault: give delay, abort or both");
    }
    return new Fault(delay, abort);
  }

  private static List<RouteDestination> destinations(YamlNode r, String what) {
    List<RouteDestination> out = new ArrayList<>();
    List<YamlNode> items = r.get("route").items(what + ".route");
    for (YamlNode d : items) {
      YamlNode weightNode = d.get("weight");
      Integer weight = weightNode.isPresent() ? weightNode.intValue(what + ".route.weight", 0) : null;
      if (weight != null && weight < 0) {
        throw fail(weightNode, what + ".route.weight: must not be negative");
      }
      out.add(
          new RouteDestination(
              destination(d.get("destination"), what + ".route.destination"),
              weight,
              headers(d.get("headers"), what + ".route.headers")));
    }
    if (out.size() > 1 && out.stream().allMatch(d -> d.weight() != null && d.weight() == 0)) {
      throw fail(r, what + ".route: all weights are 0, no destination would get traffic");
    }
    return out;
  }

  private static Destination destination(YamlNode d, String what) {
    if (d.isMissing()) {
      throw fail(d, what + " is required");
    }
    YamlNode host = d.get("host");
    YamlNode subset = d.get("subset");
    return new Destination(
        host.requiredText(what + ".host"),
        subset.text(what + ".subset", ""),
        Fields.port(d.path("port", "number"), what + ".port.number"),
        host.line(),
        subset.isPresent() ? subset.line() : host.line());
  }

  private static List<L4Match> l4Matches(YamlNode r, String what) {
    List<L4Match> out = new ArrayList<>();
    for (YamlNode m : r.get("match").items(what + ".match")) {
      out.add(
          new L4Match(
              m.get("sniHosts").texts(what + ".match.sniHosts"),
              m.get("destinationSubnets").texts(what + ".match.destinationSubnets"),
              Fields.port(m.get("port"), what + ".match.port"),
              m.get("sourceLabels").stringMap(what + ".match.sourceLabels")));
    }
    return out;
  }

  private static Headers headers(YamlNode node, String what) {
    if (node.isMissing()) {
      return Headers.NONE;
    }
    return new Headers(
        operations(node.get("request"), what + ".request"),
        operations(node.get("response"), what + ".response"));
  }

  private static HeaderOperations operations(YamlNode node, String what) {
    if (node.isMissing()) {
      return HeaderOperations.NONE;
    }
    return new HeaderOperations(
        node.get("set").stringMap(what + ".set"),
        node.get("add").stringMap(what + ".add"),
        node.get("remove").texts(what + ".remove"));
  }
}
