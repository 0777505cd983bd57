package dev.jmesh.controlplane.ca;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the CA, in Prometheus text on {@code /metrics}: Istio's {@code citadel_server_*}
 * names where Istio has one, {@code jmesh_ca_*} with a {@code reason} label where it does not.
 */
public final class CaMetrics {
  private final LongAdder requests = new LongAdder();
  private final LongAdder issued = new LongAdder();
  private final LongAdder renewed = new LongAdder();
  private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> tokensRefused = new ConcurrentHashMap<>();
  private final LongAdder registrationsRefused = new LongAdder();
  /** Identities that got a certificate since start; one more for the same one is a renewal. */
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  void requested() {
    requests.increment();
  }

  void issued(WorkloadIdentity identity) {
    issued.increment();
    if (!seen.add(identity.spiffeId())) {
      renewed.increment();
    }
  }

  void countRejected(IssuanceRefused.Reason reason) {
    rejected.computeIfAbsent(reason.label(), k -> new LongAdder()).increment();
  }

  /** A credential was refused; {@code reason} is a short label such as {@code expired}. */
  public void tokenRefused(String reason) {
    tokensRefused.computeIfAbsent(reason, k -> new LongAdder()).increment();
  }

  /** An xDS node claimed an identity its caller did not prove. */
  public void registrationRefused() {
    registrationsRefused.increment();
  }

  public long registrationsRefused() {
    return registrationsRefused.sum();
  }

  public long issued() {
    return issued.sum();
  }

  public long renewed() {
    return renewed.sum();
  }

  public long rejected(IssuanceRefused.Reason reason) {
    LongAdder a = rejected.get(reason.label());
    return a == null ? 0 : a.sum();
  }

  public long tokensRefused(String reason) {
    LongAdder a = tokensRefused.get(reason);
    return a == null ? 0 : a.sum();
  }

  /** Prometheus text exposition; {@code state} gives the root expiry gauge. */
  public String prometheus(CaState state) {
    long authFailures = tokensRefused.values().stream().mapToLong(LongAdder::sum).sum();
    long rejectedAll = rejected.values().stream().mapToLong(LongAdder::sum).sum();
    StringBuilder sb = new StringBuilder()
        .append("# TYPE citadel_server_csr_count counter\ncitadel_server_csr_count ")
        .append(requests.sum()).append('\n')
        .append("# TYPE citadel_server_success_cert_issuance_count counter\n")
        .append("citadel_server_success_cert_issuance_count ").append(issued.sum()).append('\n')
        .append("# TYPE citadel_server_authentication_failure_count counter\n")
        .append("citadel_server_authentication_failure_count ").append(authFailures).append('\n')
        .append("# TYPE jmesh_ca_certificates_issued_total counter\n")
        .append("jmesh_ca_certificates_issued_total ").append(issued.sum()).append('\n')
        .append("# TYPE jmesh_ca_certificates_renewed_total counter\n")
        .append("jmesh_ca_certificates_renewed_total ").append(renewed.sum()).append('\n')
        .append("# TYPE jmesh_ca_certificates_rejected_total counter\n");
    if (rejectedAll == 0) {
      sb.append("jmesh_ca_certificates_rejected_total 0\n");
    }
    new TreeMap<>(rejected).forEach((reason, n) -> sb
        .append("jmesh_ca_certificates_rejected_total{reason=\"").append(reason).append("\"} ")
        .append(n.sum()).append('\n'));
    sb.append("# TYPE jmesh_registrations_refused_total counter\n")
        .append("jmesh_registrations_refused_total ").append(registrationsRefused.sum())
        .append('\n');
    sb.append("# TYPE jmesh_ca_tokens_refused_total counter\n");
    if (authFailures == 0) {
      sb.append("jmesh_ca_tokens_refused_total 0\n");
    }
    new TreeMap<>(tokensRefused).forEach((reason, n) -> sb
        .append("jmesh_ca_tokens_refused_total{reason=\"").append(reason).append("\"} ")
        .append(n.sum()).append('\n'));
    if (state != null) {
      sb.append("# TYPE citadel_server_root_cert_expiry_timestamp gauge\n")
          .append("citadel_server_root_cert_expiry_timestamp ")
          .append(state.signer().root().getNotAfter().getTime() / 1000).append('\n')
          .append("# TYPE citadel_server_cert_chain_expiry_timestamp gauge\n")
          .append("citadel_server_cert_chain_expiry_timestamp ")
          .append(state.signer().certificate().getNotAfter().getTime() / 1000).append('\n')
          .append("# TYPE jmesh_ca_trust_bundle_roots gauge\njmesh_ca_trust_bundle_roots ")
          .append(state.trustBundle().roots().size()).append('\n');
    }
    return sb.toString();
  }
}
