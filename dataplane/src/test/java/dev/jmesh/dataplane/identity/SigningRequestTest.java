package dev.jmesh.dataplane.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningRequestTest {

  private static final SpiffeId REVIEWS = SpiffeId.workload("cluster.local", "default", "reviews");

  @Test
  void openSslVerifiesTheRequestsSignature(@TempDir Path dir) throws Exception {
    Path csr = dir.resolve("csr.pem");
    Files.writeString(csr, SigningRequest.pem(TestCa.ecKeys(), REVIEWS));
    Process openssl =
        new ProcessBuilder("openssl", "req", "-in", csr.toString(), "-verify", "-noout", "-text")
            .redirectErrorStream(true)
            .start();
    String out = new String(openssl.getInputStream().readAllBytes());
    assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(openssl.exitValue()).as(out).isZero();
    assertThat(out).contains("verify OK").contains("URI:" + REVIEWS).contains("critical");
  }

  @Test
  void bouncyCastleReadsTheKeyAndTheSpiffeIdAsASan() throws Exception {
    KeyPair keys = TestCa.ecKeys();
    PKCS10CertificationRequest csr;
    try (PEMParser p = new PEMParser(new StringReader(SigningRequest.pem(keys, REVIEWS)))) {
      csr = (PKCS10CertificationRequest) p.readObject();
    }
    assertThat(
            csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(keys.getPublic())))
        .isTrue();
    assertThat(csr.getSubject().getRDNs()).isEmpty();
    Extensions ext =
        Extensions.getInstance(
            csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0]
                .getAttrValues()
                .getObjectAt(0));
    assertThat(ext.getExtension(Extension.subjectAlternativeName).isCritical()).isTrue();
    GeneralName[] names =
        GeneralNames.fromExtensions(ext, Extension.subjectAlternativeName).getNames();
    assertThat(names).hasSize(1);
    assertThat(names[0].getTagNo()).isEqualTo(GeneralName.uniformResourceIdentifier);
    assertThat(names[0].getName().toString()).isEqualTo(REVIEWS.toString());
  }
}
