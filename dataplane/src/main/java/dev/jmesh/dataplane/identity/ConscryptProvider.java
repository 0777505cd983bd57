package dev.jmesh.dataplane.identity;

import dev.jmesh.dataplane.log.MeshLog;
import java.security.Provider;

/**
 * Conscrypt's BoringSSL provider, loaded on first use and never registered with {@code
 * java.security.Security}: the application's own TLS keeps its providers. {@code null} where the
 * native library cannot load (not Linux x86-64, no writable temp directory), said once.
 */
final class ConscryptProvider {

  private ConscryptProvider() {}

  static Provider get() {
    return Holder.LOADED.provider;
  }

  /** Why the provider did not load; {@code null} when it did. */
  static String failure() {
    return Holder.LOADED.failure;
  }

  private record Loaded(Provider provider, String failure) {}

  private static final class Holder {
    static final Loaded LOADED = load();

    private static Loaded load() {
      try {
        // Throws the reason (an UnsatisfiedLinkError, usually) where the native library fails.
        org.conscrypt.Conscrypt.checkAvailability();
        return new Loaded(org.conscrypt.Conscrypt.newProvider(), null);
      } catch (LinkageError | RuntimeException e) {
        MeshLog.warnOnce(
            "conscrypt-unavailable",
            "BoringSSL (Conscrypt) is not available for the application's own connections ("
                + e
                + "); their mTLS uses the JDK's TLS instead");
        return new Loaded(null, e.toString());
      }
    }
  }
}
