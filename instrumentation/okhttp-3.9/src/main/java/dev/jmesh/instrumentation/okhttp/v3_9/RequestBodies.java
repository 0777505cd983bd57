package dev.jmesh.instrumentation.okhttp.v3_9;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import okhttp3.RequestBody;

/**
 * Whether a request body can be sent twice. OkHttp writes a body again for each attempt, so a body
 * of known length that does not call itself one-shot or duplex replays by itself; anything else (a
 * stream of unknown length, a large upload) is sent once, with retries off.
 */
final class RequestBodies {

  /**
   * The largest body worth retrying, known before the data path decides: the engine's retry buffer.
   * A smaller {@code MeshCall.replayLimit()} then only ends retries early.
   */
  static final int REPLAY_LIMIT = 64 * 1024;

  /** {@code isOneShot()} and {@code isDuplex()} arrived in 3.14; looked up so 3.9 still links. */
  private static final MethodHandle IS_ONE_SHOT = flag("isOneShot");

  private static final MethodHandle IS_DUPLEX = flag("isDuplex");

  private RequestBodies() {}

  /** Whether {@code body} must not be sent a second time. */
  static boolean isOneShot(RequestBody body) {
    if (body == null) {
      return false;
    }
    long length = length(body);
    return length < 0 || length > REPLAY_LIMIT || is(IS_ONE_SHOT, body) || is(IS_DUPLEX, body);
  }

  /** The body's length, -1 when it is unknown (or cannot be told). */
  static long length(RequestBody body) {
    if (body == null) {
      return 0;
    }
    try {
      return body.contentLength();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static boolean is(MethodHandle flag, RequestBody body) {
    if (flag == null) {
      return false;
    }
    try {
      return (boolean) flag.invokeExact(body);
    } catch (Throwable t) {
      // A body that cannot say whether it replays is treated as one that does not.
      return true;
    }
  }

  private static MethodHandle flag(String name) {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(RequestBody.class, name, MethodType.methodType(boolean.class));
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }
}
