package dev.jmesh.testsuite.direct;

import java.io.IOException;
import java.util.Map;

/**
 * One unmeshed pod of a service in the test's own JVM, on its own loopback address: answers {@code
 * pod=<name>} on the first line of its reply and {@code host=<authority>} on the second; the test
 * flips its behaviour (status, delay) and reads what it saw. {@link HttpBackend} speaks HTTP/1.1,
 * {@link GrpcBackend} gRPC over h2c.
 */
interface Backend extends AutoCloseable {

  /** An HTTP/1.1 pod on {@code ip}, an ephemeral port. */
  static Backend start(String pod, String ip) throws IOException {
    return HttpBackend.start(pod, ip);
  }

  String pod();

  String ip();

  int port();

  /** The status every following request is answered with. */
  void answer(int code);

  /** How long every following request waits before its answer. */
  void delay(long millis);

  int requests();

  /** Distinct client connections (remote address and port) seen since the last {@link #reset}. */
  int connections();

  Map<String, String> lastHeaders();

  /** Counters at zero; the behaviour the test set stays. */
  void clearCounts();

  /** Healthy and prompt again, counters at zero. */
  void reset();

  @Override
  void close();
}
