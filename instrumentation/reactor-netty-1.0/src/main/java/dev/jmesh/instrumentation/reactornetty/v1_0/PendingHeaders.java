package dev.jmesh.instrumentation.reactornetty.v1_0;

import dev.jmesh.bootstrap.WeakIdentityMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The headers of a Spring {@code WebClient} request, which reach Reactor Netty only when the
 * request is written, long after the connection was chosen: {@code WebClient}'s exchange collects
 * them here (JDK types only, so this class needs no Spring) while it builds the request's {@code
 * Mono}, and the {@code Mono} keeps them for the route's header matches.
 */
public final class PendingHeaders implements BiConsumer<String, List<String>> {

  private static final ThreadLocal<PendingHeaders> BUILDING = new ThreadLocal<>();

  private static final WeakIdentityMap<Object, PendingHeaders> BY_MONO =
      new WeakIdentityMap<>(pending -> {});

  private final Map<String, String> values = new java.util.HashMap<>();

  /** {@code WebClient}'s exchange begins on this thread: collect its headers here. */
  public static PendingHeaders begin() {
    PendingHeaders pending = new PendingHeaders();
    BUILDING.set(pending);
    return pending;
  }

  /** The exchange's {@code Mono} is built; the headers went to it, if it was Reactor Netty's. */
  public static void end() {
    BUILDING.remove();
  }

  /** A request's {@code Mono} was made on this thread: it keeps the headers being collected. */
  public static void madeConnect(Object mono) {
    PendingHeaders pending = BUILDING.get();
    if (pending != null) {
      BY_MONO.put(mono, pending);
    }
  }

  /** The headers {@code WebClient} will add to the request of {@code mono}, or {@code null}. */
  static PendingHeaders of(Object mono) {
    return BY_MONO.get(mono);
  }

  @Override
  public void accept(String name, List<String> list) {
    if (name != null && list != null && !list.isEmpty()) {
      values.put(name.toLowerCase(Locale.ROOT), String.join(",", list));
    }
  }

  String value(String lowerCaseName) {
    return values.get(lowerCaseName);
  }
}
