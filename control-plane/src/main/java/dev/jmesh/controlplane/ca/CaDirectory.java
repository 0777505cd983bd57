package dev.jmesh.controlplane.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The CA's directory, in Istio's {@code cacerts} layout so an operator can plug in an
 * intermediate under a corporate root by dropping four files in it:
 *
 * <pre>
 * ca-cert.pem        the certificate that signs workloads (a root jmesh made, or an intermediate)
 * ca-key.pem         its key (mode 600)
 * root-cert.pem      the root it chains to
 * cert-chain.pem     ca-cert.pem then any intermediates, up to the root; appended to every leaf
 * trusted-roots.pem  (jmesh) roots still trusted after a rotation, until it completes
 * next/              (jmesh) the four files of the CA a started rotation will switch to
 * token-key          (jmesh) the HMAC key that signs join tokens (mode 600)
 * revoked-tokens     (jmesh) ids of revoked join tokens
 * </pre>
 *
 * <p>Rotation has three steps so that no handshake fails: {@link #startRotation} makes the new
 * root and adds it to the trust bundle while the old root still signs; once every workload has
 * renewed (so trusts both), {@link #activateRotation} makes the new root sign and keeps the old
 * one trusted; once every certificate from the old root has expired,
 * {@link #completeRotation} drops it.
 */
public final class CaDirectory {
  public static final String CA_CERT = "ca-cert.pem";
  public static final String CA_KEY = "ca-key.pem";
  public static final String ROOT_CERT = "root-cert.pem";
  public static final String CERT_CHAIN = "cert-chain.pem";
  public static final String TRUSTED_ROOTS = "trusted-roots.pem";
  public static final String NEXT = "next";
  static final Duration ROOT_VALIDITY = Duration.ofDays(3650);

  private static final Logger LOGGER = Logger.getLogger(CaDirectory.class.getName());
  private static final Set<String> warnedKeys = ConcurrentHashMap.newKeySet();

  private final Path dir;

  public CaDirectory(Path dir) {
    this.dir = dir;
  }

  public Path path() {
    return dir;
  }

  /** Loads the CA, first generating a root (EC P-256, 10 years) when there is no CA key. */
  public CaState loadOrGenerate(String organization) throws IOException, GeneralSecurityException {
    OwnerOnlyFiles.createDirectory(dir);
    if (!Files.exists(dir.resolve(CA_KEY))) {
      if (Files.exists(dir.resolve(CA_CERT))) {
        throw new IOException(dir.resolve(CA_CERT) + " exists but " + CA_KEY
            + " does not; plug in all of Istio's cacerts files or none");
      }
      generateInto(dir, organization);
    }
    return load();
  }

  public CaState load() throws IOException, GeneralSecurityException {
    warnIfReadableByOthers(dir.resolve(CA_KEY));
    SigningAuthority signer = readSigner(dir);
    Path nextDir = dir.resolve(NEXT);
    SigningAuthority next = Files.exists(nextDir.resolve(CA_KEY)) ? readSigner(nextDir) : null;
    List<X509Certificate> roots = new ArrayList<>();
    roots.add(signer.root());
    if (next != null) {
      roots.add(next.root());
    }
    Path extra = dir.resolve(TRUSTED_ROOTS);
    if (Files.exists(extra)) {
      roots.addAll(Pem.certificates(Files.readString(extra, StandardCharsets.US_ASCII)));
    }
    return new CaState(signer, next, new TrustBundle(roots));
  }

  /**
   * An operator-copied {@code ca-key.pem} may be world-readable; say so once per file instead
   * of refusing it, as Istio accepts a mounted secret whatever its mode.
   */
  private void warnIfReadableByOthers(Path key) {
    try {
      if (!Files.getFileStore(key).supportsFileAttributeView("posix")) {
        return;
      }
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(key);
      if (mode.contains(PosixFilePermission.GROUP_READ)
          || mode.contains(PosixFilePermission.OTHERS_READ)) {
        if (warnedKeys.add(key.toAbsolutePath().toString())) {
          LOGGER.warning(() -> key + " is readable by group or others ("
              + PosixFilePermissions.toString(mode)
              + "); run chmod 600 on it");
        }
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Missing or unreadable: readSigner reports it with the file named.
    }
  }

  /**
   * Names, sizes and times of the files that make the CA; the running control plane reloads
   * when this changes.
   */
  public String stamp() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Path d : List.of(dir, dir.resolve(NEXT))) {
      for (String name : List.of(CA_CERT, CA_KEY, ROOT_CERT, CERT_CHAIN, TRUSTED_ROOTS)) {
        Path f = d.resolve(name);
        if (Files.exists(f)) {
          sb.append(f).append(':').append(Files.size(f)).append(':')
              .append(Files.getLastModifiedTime(f).toMillis()).append(';');
        }
      }
    }
    return sb.toString();
  }

  static SigningAuthority readSigner(Path d) throws IOException, GeneralSecurityException {
    PrivateKey key = Pem.privateKey(d.resolve(CA_KEY));
    X509Certificate ca = Pem.certificates(d.resolve(CA_CERT)).get(0);
    X509Certificate root;
    if (Files.exists(d.resolve(ROOT_CERT))) {
      root = Pem.certificates(d.resolve(ROOT_CERT)).get(0);
    } else if (ca.getSubjectX500Principal().equals(ca.getIssuerX500Principal())) {
      root = ca;
    } else {
      throw new IOException(d.resolve(ROOT_CERT) + " is missing and " + CA_CERT
          + " is not self-signed; add the root certificate");
    }
    List<X509Certificate> chain = new ArrayList<>();
    if (Files.exists(d.resolve(CERT_CHAIN))) {
      chain.addAll(Pem.certificates(d.resolve(CERT_CHAIN)));
    }
    if (chain.isEmpty() || !chain.get(0).equals(ca)) {
      chain.add(0, ca);
    }
    try {
      return new SigningAuthority(key, chain, root);
    } catch (GeneralSecurityException e) {
      throw new GeneralSecurityException(d + ": " + e.getMessage(), e);
    }
  }

  private static void generateInto(Path d, String organization)
      throws IOException, GeneralSecurityException {
    SigningAuthority root = CertificateMinter.root(organization, ROOT_VALIDITY, Instant.now());
    write(d, root);
  }

  /** Certificates first and the key last: the key's presence marks a complete CA. */
  private static void write(Path d, SigningAuthority ca) throws IOException {
    byte[] cert = Pem.encode(ca.certificate()).getBytes(StandardCharsets.US_ASCII);
    OwnerOnlyFiles.writePublic(d.resolve(ROOT_CERT),
        Pem.encode(ca.root()).getBytes(StandardCharsets.US_ASCII));
    OwnerOnlyFiles.writePublic(d.resolve(CERT_CHAIN),
        Pem.encode(ca.chain()).getBytes(StandardCharsets.US_ASCII));
    OwnerOnlyFiles.writePublic(d.resolve(CA_CERT), cert);
    OwnerOnlyFiles.writeSecret(d.resolve(CA_KEY),
        Pem.encode(ca.key()).getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Step 1: generates the next root under {@code next/} (an operator may instead put their own
   * four cacerts files there); it is trusted from now on, the current CA keeps signing.
   */
  public SigningAuthority startRotation(String organization)
      throws IOException, GeneralSecurityException {
    Path nextDir = dir.resolve(NEXT);
    if (Files.exists(nextDir.resolve(CA_KEY))) {
      throw new IOException("a rotation is already started (" + nextDir
          + " exists); run 'ca rotate activate' next");
    }
    load();
    OwnerOnlyFiles.createDirectory(nextDir);
    generateInto(nextDir, organization);
    return readSigner(nextDir);
  }

  /**
   * Step 2: the next CA becomes the signer; the old root moves to {@code trusted-roots.pem} so
   * certificates it issued keep verifying.
   */
  public SigningAuthority activateRotation() throws IOException, GeneralSecurityException {
    Path nextDir = dir.resolve(NEXT);
    if (!Files.exists(nextDir.resolve(CA_KEY))) {
      throw new IOException("no rotation is started; run 'ca rotate start' first");
    }
    CaState current = load();
    SigningAuthority next = readSigner(nextDir);
    List<X509Certificate> keep = new ArrayList<>(current.trustBundle().roots());
    keep.remove(next.root());
    OwnerOnlyFiles.writePublic(dir.resolve(TRUSTED_ROOTS),
        Pem.encode(keep).getBytes(StandardCharsets.US_ASCII));
    // A reader between these writes sees a key that does not match its certificate, refuses
    // that state and keeps the last good one until the next look.
    write(dir, next);
    try (Stream<Path> files = Files.list(nextDir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(nextDir);
    return next;
  }

  /** Step 3: stops trusting every root but the current one. */
  public void completeRotation() throws IOException, GeneralSecurityException {
    if (Files.exists(dir.resolve(NEXT).resolve(CA_KEY))) {
      throw new IOException("the rotation is not activated yet; run 'ca rotate activate' first");
    }
    load();
    Files.deleteIfExists(dir.resolve(TRUSTED_ROOTS));
  }
}
