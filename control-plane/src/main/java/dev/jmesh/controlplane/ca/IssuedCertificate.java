package dev.jmesh.controlplane.ca;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** A certificate the CA issued and the chain that goes with it, up to the root. */
public record IssuedCertificate(X509Certificate leaf, List<X509Certificate> caChain) {
  public IssuedCertificate {
    caChain = List.copyOf(caChain);
  }

  /** Leaf first, root last: Istio's {@code cert_chain}. */
  public List<X509Certificate> chain() {
    List<X509Certificate> all = new ArrayList<>();
    all.add(leaf);
    all.addAll(caChain);
    return all;
  }

  public List<String> pemChain() {
    return chain().stream().map(Pem::encode).toList();
  }
}
