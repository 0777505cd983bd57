package dev.jmesh.dataplane.engine;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.jmesh.dataplane.record.WorkloadLabels;
import java.util.Base64;

/**
 * Istio's HTTP metadata exchange: the caller sends its workload in {@code x-envoy-peer-metadata} (a
 * base64 {@code google.protobuf.Struct} with Istio's keys) and {@code x-envoy-peer-metadata-id},
 * the callee answers with its own in the response, and each side labels its records with what the
 * other sent. Istio sidecars and jmesh can so label each other's traffic. The engine strips both
 * headers before the application sees them. See docs/protocol.md.
 *
 * <pre>{@code
 * String value = PeerMetadata.encode(self);          // on an outbound request or inbound response
 * WorkloadLabels peer = PeerMetadata.decode(header, verifiedPrincipal);
 * }</pre>
 */
public final class PeerMetadata {

  public static final String HEADER = "x-envoy-peer-metadata";
  public static final String ID_HEADER = "x-envoy-peer-metadata-id";

  /** A peer's header larger than this is ignored rather than decoded. */
  static final int MAX_ENCODED_LENGTH = 8192;

  private static final String CANONICAL_NAME = "service.istio.io/canonical-name";
  private static final String CANONICAL_REVISION = "service.istio.io/canonical-revision";

  private PeerMetadata() {}

  /**
   * The {@code x-envoy-peer-metadata-id} value: Istio's node ID shape, {@code
   * sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local}.
   */
  public static String id(WorkloadLabels self, String address) {
    String ns = self.namespace();
    return "sidecar~"
        + address
        + "~"
        + self.workload()
        + "."
        + ns
        + "~"
        + ns
        + ".svc.cluster.local";
  }

  /** The header value describing {@code self}; computed once per workload and reused. */
  public static String encode(WorkloadLabels self) {
    return Base64.getEncoder().encodeToString(struct(self).toByteArray());
  }

  /** Istio's node metadata struct of {@code self}, as both exchanges carry it. */
  static Struct struct(WorkloadLabels self) {
    Struct.Builder labels = Struct.newBuilder();
    put(labels, "app", self.app());
    put(labels, "version", self.version());
    put(labels, CANONICAL_NAME, self.canonicalService());
    put(labels, CANONICAL_REVISION, self.canonicalRevision());
    Struct.Builder struct = Struct.newBuilder();
    put(struct, "NAME", self.workload());
    put(struct, "WORKLOAD_NAME", self.workload());
    put(struct, "NAMESPACE", self.namespace());
    put(struct, "CLUSTER_ID", self.cluster());
    struct.putFields("LABELS", Value.newBuilder().setStructValue(labels).build());
    return struct.build();
  }

  /**
   * The peer a header value describes, with {@code principal} (which only mutual TLS proves, never
   * the header) as its principal; {@link WorkloadLabels#UNKNOWN_WORKLOAD} with that principal when
   * the value is absent, too large or not Istio's format.
   */
  public static WorkloadLabels decode(String value, String principal) {
    if (value == null || value.length() > MAX_ENCODED_LENGTH) {
      return unknown(principal);
    }
    Struct struct;
    try {
      struct = Struct.parseFrom(Base64.getDecoder().decode(value));
    } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
      return unknown(principal);
    }
    return fromStruct(struct, principal);
  }

  /** The peer a node metadata struct describes, with {@code principal} as its principal. */
  static WorkloadLabels fromStruct(Struct struct, String principal) {
    Struct labels =
        struct.getFieldsOrDefault("LABELS", Value.getDefaultInstance()).getStructValue();
    String workload = text(struct, "WORKLOAD_NAME");
    return WorkloadLabels.builder()
        .workload(workload.isEmpty() ? text(struct, "NAME") : workload)
        .namespace(text(struct, "NAMESPACE"))
        .cluster(text(struct, "CLUSTER_ID"))
        .app(text(labels, "app"))
        .version(text(labels, "version"))
        .canonicalService(text(labels, CANONICAL_NAME))
        .canonicalRevision(text(labels, CANONICAL_REVISION))
        .principal(principal)
        .build();
  }

  static WorkloadLabels unknown(String principal) {
    return principal == null
        ? WorkloadLabels.UNKNOWN_WORKLOAD
        : WorkloadLabels.builder().principal(principal).build();
  }

  private static void put(Struct.Builder struct, String key, String value) {
    if (value != null && !WorkloadLabels.UNKNOWN.equals(value)) {
      struct.putFields(key, Value.newBuilder().setStringValue(value).build());
    }
  }

  private static String text(Struct struct, String key) {
    return struct.getFieldsOrDefault(key, Value.getDefaultInstance()).getStringValue();
  }
}
