package dev.jmesh.dataplane.record;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** {@code x-request-id} values, made as Envoy makes them when a request arrives without one. */
public final class RequestIds {

  private RequestIds() {}

  /**
   * A random version-4 UUID, without {@code UUID.randomUUID()}'s shared, locked SecureRandom: ids
   * need not be secret.
   */
  public static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }
}
