package dev.jmesh.dataplane.identity;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A workload's X.509-SVID: its key (in memory only) and the chain the CA issued for it, leaf first.
 *
 * @param id the SPIFFE ID the leaf carries
 * @param key the private key
 * @param chain the leaf, then any intermediates
 * @param generation counts the SVIDs this workload has had, 1 for the first
 */
public record Svid(SpiffeId id, PrivateKey key, List<X509Certificate> chain, long generation) {

  public Svid {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("an SVID needs its certificate");
    }
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** When the leaf expires, epoch milliseconds. */
  public long notAfterMillis() {
    return leaf().getNotAfter().getTime();
  }

  /** When the leaf became valid, epoch milliseconds. */
  public long notBeforeMillis() {
    return leaf().getNotBefore().getTime();
  }

  @Override
  public String toString() {
    // Never the key.
    return "Svid["
        + id
        + ", serial "
        + leaf().getSerialNumber().toString(16)
        + ", generation "
        + generation
        + "]";
  }
}
