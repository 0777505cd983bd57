package dev.jmesh.dataplane.record;

import java.util.Objects;

/**
 * The labels of every request on one traffic edge that do not change from request to request: who
 * reports, both workloads, the destination service and the connection's security policy. A caller
 * builds one per route and peer (or per inbound connection) and reuses it for all its requests, so
 * the metrics can find their series by this object without building label strings per request.
 * Immutable; equal label sets are equal objects, and the hash is computed once.
 */
public final class TrafficLabels {

  private final Reporter reporter;
  private final WorkloadLabels source;
  private final WorkloadLabels destination;
  private final String destinationService;
  private final String destinationServiceName;
  private final String destinationServiceNamespace;
  private final ConnectionSecurityPolicy securityPolicy;
  private final int hash;

  private TrafficLabels(Builder b) {
    this.reporter = Objects.requireNonNull(b.reporter, "reporter");
    this.source = b.source == null ? WorkloadLabels.UNKNOWN_WORKLOAD : b.source;
    this.destination = b.destination == null ? WorkloadLabels.UNKNOWN_WORKLOAD : b.destination;
    this.destinationService = WorkloadLabels.orUnknown(b.destinationService);
    this.destinationServiceName = WorkloadLabels.orUnknown(b.destinationServiceName);
    this.destinationServiceNamespace = WorkloadLabels.orUnknown(b.destinationServiceNamespace);
    this.securityPolicy =
        b.securityPolicy == null ? ConnectionSecurityPolicy.UNKNOWN : b.securityPolicy;
    this.hash =
        Objects.hash(
            reporter,
            source,
            destination,
            destinationService,
            destinationServiceName,
            destinationServiceNamespace,
            securityPolicy);
  }

  public static Builder builder(Reporter reporter) {
    return new Builder(reporter);
  }

  public Reporter reporter() {
    return reporter;
  }

  public WorkloadLabels source() {
    return source;
  }

  public WorkloadLabels destination() {
    return destination;
  }

  /** The service host, e.g. {@code reviews.default.svc.cluster.local}. */
  public String destinationService() {
    return destinationService;
  }

  /** The service's short name, e.g. {@code reviews}. */
  public String destinationServiceName() {
    return destinationServiceName;
  }

  public String destinationServiceNamespace() {
    return destinationServiceNamespace;
  }

  public ConnectionSecurityPolicy securityPolicy() {
    return securityPolicy;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof TrafficLabels other
        && hash == other.hash
        && reporter == other.reporter
        && securityPolicy == other.securityPolicy
        && source.equals(other.source)
        && destination.equals(other.destination)
        && destinationService.equals(other.destinationService)
        && destinationServiceName.equals(other.destinationServiceName)
        && destinationServiceNamespace.equals(other.destinationServiceNamespace);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return reporter.label()
        + " "
        + source.workload()
        + "."
        + source.namespace()
        + " -> "
        + destinationService
        + " ("
        + destination.workload()
        + "."
        + destination.namespace()
        + ", "
        + securityPolicy.label()
        + ")";
  }

  /** Collects the labels; the unset ones become {@code unknown}. */
  public static final class Builder {
    private final Reporter reporter;
    private WorkloadLabels source;
    private WorkloadLabels destination;
    private String destinationService;
    private String destinationServiceName;
    private String destinationServiceNamespace;
    private ConnectionSecurityPolicy securityPolicy;

    private Builder(Reporter reporter) {
      this.reporter = reporter;
    }

    public Builder source(WorkloadLabels value) {
      source = value;
      return this;
    }

    public Builder destination(WorkloadLabels value) {
      destination = value;
      return this;
    }

    /** The destination service: host ({@code destination_service}), short name and namespace. */
    public Builder destinationService(String host, String name, String namespace) {
      destinationService = host;
      destinationServiceName = name;
      destinationServiceNamespace = namespace;
      return this;
    }

    public Builder securityPolicy(ConnectionSecurityPolicy value) {
      securityPolicy = value;
      return this;
    }

    public TrafficLabels build() {
      return new TrafficLabels(this);
    }
  }
}
