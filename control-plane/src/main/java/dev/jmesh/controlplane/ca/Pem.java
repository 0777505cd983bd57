package dev.jmesh.controlplane.ca;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/** PEM in and out, with the JDK's providers (no Bouncy Castle provider is registered). */
public final class Pem {
  private static final JcaX509CertificateConverter CERTS = new JcaX509CertificateConverter();
  private static final JcaPEMKeyConverter KEYS = new JcaPEMKeyConverter();

  private Pem() {}

  public static String encode(X509Certificate certificate) {
    return encodeObject(certificate);
  }

  public static String encode(List<X509Certificate> certificates) {
    StringBuilder sb = new StringBuilder();
    certificates.forEach(c -> sb.append(encode(c)));
    return sb.toString();
  }

  /** PKCS#8 ({@code BEGIN PRIVATE KEY}), what openssl and Istio read. */
  public static String encode(PrivateKey key) {
    try {
      return encodeObject(new JcaPKCS8Generator(key, null).generate());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode the private key", e);
    }
  }

  private static String encodeObject(Object o) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode " + o.getClass().getSimpleName(), e);
    }
    return out.toString();
  }

  /** Every certificate in {@code pem}, in order; other PEM blocks are skipped. */
  public static List<X509Certificate> certificates(String pem) throws CertificateException {
    List<X509Certificate> out = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof X509CertificateHolder h) {
          out.add(CERTS.getCertificate(h));
        }
      }
    } catch (IOException e) {
      throw new CertificateException("not valid PEM: " + e.getMessage(), e);
    }
    return out;
  }

  public static List<X509Certificate> certificates(Path file)
      throws IOException, CertificateException {
    List<X509Certificate> certs = certificates(Files.readString(file, StandardCharsets.US_ASCII));
    if (certs.isEmpty()) {
      throw new CertificateException(file + " holds no PEM certificate");
    }
    return certs;
  }

  /**
   * Reads a private key in PKCS#8, SEC1 ({@code EC PRIVATE KEY}) or PKCS#1
   * ({@code RSA PRIVATE KEY}) form. Errors name the file, never its content.
   */
  public static PrivateKey privateKey(Path file) throws IOException {
    try (PEMParser parser = new PEMParser(Files.newBufferedReader(file,
        StandardCharsets.US_ASCII))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof PrivateKeyInfo info) {
          return KEYS.getPrivateKey(info);
        }
        if (o instanceof PEMKeyPair pair) {
          return KEYS.getPrivateKey(pair.getPrivateKeyInfo());
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + ": not a readable unencrypted PEM private key ("
          + e.getClass().getSimpleName() + ")");
    }
    throw new IOException(file + " holds no unencrypted PEM private key");
  }

  /** The first CSR in {@code pem}, or null when there is none. */
  static PKCS10CertificationRequest csr(String pem) throws IOException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof PKCS10CertificationRequest r) {
          return r;
        }
      }
    }
    return null;
  }
}
