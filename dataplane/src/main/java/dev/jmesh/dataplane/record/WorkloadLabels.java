package dev.jmesh.dataplane.record;

/**
 * One end of a call as Istio's metrics name it: the {@code source_*} or {@code destination_*}
 * labels. Missing values read {@code unknown} (a canonical revision {@code latest}), which is what
 * Istio's stats filter writes for a peer it knows nothing about.
 *
 * <pre>{@code
 * WorkloadLabels reviews = WorkloadLabels.builder()
 *     .workload("reviews-v2").namespace("default").app("reviews").version("v2")
 *     .principal("spiffe://cluster.local/ns/default/sa/reviews").build();
 * }</pre>
 */
public record WorkloadLabels(
    String workload,
    String namespace,
    String principal,
    String app,
    String version,
    String canonicalService,
    String canonicalRevision,
    String cluster) {

  public static final String UNKNOWN = "unknown";
  public static final String LATEST = "latest";

  /** A peer the data path knows nothing about. */
  public static final WorkloadLabels UNKNOWN_WORKLOAD = builder().build();

  public WorkloadLabels {
    workload = orUnknown(workload);
    namespace = orUnknown(namespace);
    principal = orUnknown(principal);
    app = orUnknown(app);
    version = orUnknown(version);
    canonicalService = orUnknown(canonicalService);
    canonicalRevision =
        canonicalRevision == null || canonicalRevision.isEmpty() ? LATEST : canonicalRevision;
    cluster = orUnknown(cluster);
  }

  public static Builder builder() {
    return new Builder();
  }

  static String orUnknown(String value) {
    return value == null || value.isEmpty() ? UNKNOWN : value;
  }

  /** Collects labels by name; unset ones become {@code unknown}. */
  public static final class Builder {
    private String workload;
    private String namespace;
    private String principal;
    private String app;
    private String version;
    private String canonicalService;
    private String canonicalRevision;
    private String cluster;

    private Builder() {}

    public Builder workload(String value) {
      workload = value;
      return this;
    }

    public Builder namespace(String value) {
      namespace = value;
      return this;
    }

    /** The SPIFFE ID, e.g. {@code spiffe://cluster.local/ns/default/sa/reviews}. */
    public Builder principal(String value) {
      principal = value;
      return this;
    }

    public Builder app(String value) {
      app = value;
      return this;
    }

    public Builder version(String value) {
      version = value;
      return this;
    }

    public Builder canonicalService(String value) {
      canonicalService = value;
      return this;
    }

    public Builder canonicalRevision(String value) {
      canonicalRevision = value;
      return this;
    }

    /** Istio's cluster ID ({@code source_cluster}/{@code destination_cluster}). */
    public Builder cluster(String value) {
      cluster = value;
      return this;
    }

    public WorkloadLabels build() {
      return new WorkloadLabels(
          workload,
          namespace,
          principal,
          app,
          version,
          canonicalService,
          canonicalRevision,
          cluster);
    }
  }
}
