package dev.jmesh.controlplane.ca.token;

import dev.jmesh.controlplane.ca.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret that signs join tokens: 32 random bytes in the CA directory ({@code token-key},
 * mode 600), HMAC-SHA256. A separate key from the CA's, so plugging in or rotating cacerts
 * does not invalidate tokens already handed out, and deleting it revokes them all.
 */
public final class TokenKey {
  public static final String FILE = "token-key";
  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;

  private TokenKey(byte[] secret) {
    this.key = new SecretKeySpec(secret, ALGORITHM);
  }

  /** Reads the key from {@code caDir}, creating it on first use. */
  public static TokenKey loadOrCreate(Path caDir) throws IOException {
    OwnerOnlyFiles.createDirectory(caDir);
    Path file = caDir.resolve(FILE);
    if (!Files.exists(file)) {
      byte[] secret = new byte[32];
      new SecureRandom().nextBytes(secret);
      OwnerOnlyFiles.writeSecret(file, secret);
    }
    byte[] secret = Files.readAllBytes(file);
    if (secret.length < 32) {
      throw new IOException(file + " is shorter than 32 bytes; delete it to make a new one"
          + " (every token made so far stops working)");
    }
    return new TokenKey(secret);
  }

  byte[] sign(byte[] data) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }

  /** Constant-time comparison, so timing does not tell how much of a forgery was right. */
  boolean verify(byte[] data, byte[] signature) {
    return MessageDigest.isEqual(sign(data), signature);
  }

  @Override
  public String toString() {
    return "TokenKey{<secret>}";
  }
}
