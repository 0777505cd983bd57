package dev.jmesh.dataplane.xds;

import com.google.protobuf.Message;
import dev.jmesh.dataplane.log.MeshLog;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What the client holds of one resource type, and the state-of-the-world rules for it: how a
 * response merges into the accepted resources, which version and nonce the next request carries,
 * and which names it asks for. It outlives streams; only the nonce belongs to one. Confined to
 * the client's thread.
 */
final class Subscription {
  final XdsResourceType type;
  private final XdsResourceHandler handler;

  private String acceptedVersion = "";
  private String nonce = "";
  private boolean delivered;
  private Set<String> names = Set.of();
  private Map<String, Message> accepted = Map.of();
  private com.google.rpc.Status errorDetail;
  private String lastRejection = "";

  Subscription(XdsResourceType type, XdsResourceHandler handler) {
    this.type = type;
    this.handler = handler;
  }

  /** Whether a new stream asks for this type at once. */
  boolean wanted() {
    return type.isWildcard() || !names.isEmpty();
  }

  Map<String, Message> accepted() {
    return accepted;
  }

  /** For a new stream: the nonce belongs to the stream that carried it. */
  void newStream() {
    nonce = "";
    errorDetail = null;
  }

  /**
   * Applies a response: the good resources go to the handler, a bad one keeps its last good
   * version. The next {@link #request()} is then the ACK, or the NACK with the reasons.
   */
  void onResponse(DiscoveryResponse response) {
    nonce = response.getNonce();
    ResourceDecoder decoded = new ResourceDecoder(type, response, names);
    Map<String, String> errors = new LinkedHashMap<>(decoded.errors);
    TreeMap<String, Message> next = new TreeMap<>();
    if (!type.isWildcard() || decoded.unnamedErrors) {
      // Named types keep what was not resent; and when a bad resource has no readable name,
      // an absent resource may be that one, so nothing is taken as removed.
      next.putAll(accepted);
    }
    for (String bad : decoded.errors.keySet()) {
      Message lastGood = accepted.get(bad);
      if (lastGood != null) {
        next.put(bad, lastGood);
      }
    }
    next.putAll(decoded.resources);
    if (!delivered || !next.equals(accepted)) {
      delivered = true;
      errors.putAll(deliver(next));
    }
    accepted = Collections.unmodifiableMap(next);
    if (errors.isEmpty()) {
      acceptedVersion = response.getVersionInfo();
      errorDetail = null;
      lastRejection = "";
      return;
    }
    String detail =
        errors.entrySet().stream()
            .map(e -> type.shortName() + " resource '" + e.getKey() + "': " + e.getValue())
            .collect(Collectors.joining("; "));
    MeshLog.warn(
        "xDS: rejected " + type.shortName() + " version " + response.getVersionInfo()
            + " (keeping version '" + acceptedVersion + "' for what it names): " + detail);
    lastRejection = detail;
    errorDetail =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.INVALID_ARGUMENT.value())
            .setMessage(detail)
            .build();
  }

  /**
   * Asks for {@code newNames} from now on, dropping the resources no longer asked for; returns
   * whether the names changed.
   */
  boolean follow(Set<String> newNames) {
    if (newNames.equals(names)) {
      return false;
    }
    names = Collections.unmodifiableSet(newNames);
    // A new subscription, not an answer: it carries no error_detail.
    errorDetail = null;
    TreeMap<String, Message> kept = new TreeMap<>(accepted);
    kept.keySet().retainAll(newNames);
    if (kept.size() != accepted.size()) {
      Map<String, String> refused = deliver(kept);
      if (!refused.isEmpty()) {
        MeshLog.warn("xDS: the config handler refused to drop " + type.shortName() + " " + refused);
      }
      accepted = Collections.unmodifiableMap(kept);
    }
    return true;
  }

  XdsTypeStatus status() {
    return new XdsTypeStatus(type, acceptedVersion, accepted.size(), lastRejection);
  }

  /** The request that answers the last response (or first asks), without the node. */
  DiscoveryRequest.Builder request() {
    DiscoveryRequest.Builder request =
        DiscoveryRequest.newBuilder()
            .setTypeUrl(type.typeUrl())
            .setVersionInfo(acceptedVersion)
            .setResponseNonce(nonce);
    if (!type.isWildcard()) {
      request.addAllResourceNames(names);
    }
    if (errorDetail != null) {
      request.setErrorDetail(errorDetail);
    }
    return request;
  }

  /**
   * Hands {@code next} to the handler and puts back the last good version of every resource it
   * rejects; returns the rejections.
   */
  private Map<String, String> deliver(Map<String, Message> next) {
    XdsVerdict verdict;
    try {
      // A copy: the handler may keep it, and rejected entries are reverted in next below.
      verdict = handler.onResources(type, Collections.unmodifiableMap(new TreeMap<>(next)));
    } catch (RuntimeException e) {
      MeshLog.warnOnce(
          "xds-handler:" + e.getClass().getName(), "xDS: the config handler failed: " + e);
      next.clear();
      next.putAll(accepted);
      return Map.of(type.shortName() + " update", "not applied, the handler failed: " + e);
    }
    if (verdict == null || verdict.isAccepted()) {
      return Map.of();
    }
    for (String rejected : verdict.rejections().keySet()) {
      Message lastGood = accepted.get(rejected);
      if (lastGood == null) {
        next.remove(rejected);
      } else {
        next.put(rejected, lastGood);
      }
    }
    return verdict.rejections();
  }
}
