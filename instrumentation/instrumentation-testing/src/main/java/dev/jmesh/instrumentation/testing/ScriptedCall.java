package dev.jmesh.instrumentation.testing;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshEndpointAddress;
import dev.jmesh.bootstrap.MeshHeaders;
import dev.jmesh.bootstrap.MeshRequest;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A decision scripted by a test (a test double of the data path's call), recording what the
 * instrumentation did with it: attempts, header changes asked for, how it ended.
 */
public final class ScriptedCall implements MeshCall {

  /** One attempt's outcome as the instrumentation reported it. */
  public record Attempt(InetSocketAddress endpoint, int status, int grpcStatus, int failure) {}

  private final List<MeshEndpointAddress> endpoints = new ArrayList<>();
  private final Set<Integer> retryOn = new TreeSet<>();
  private final Map<String, String> setRequestHeaders = new LinkedHashMap<>();
  private final Map<String, String> setResponseHeaders = new LinkedHashMap<>();
  private final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch finished = new CountDownLatch(1);
  private int retries = 0;
  private boolean retryOnFailure;
  private int current;
  private SSLContext tls;
  private long delayNanos;
  private long perTryNanos;
  private long timeoutNanos;
  private long backOffNanos;
  private int replyStatus = -1;
  private String replyBody = "";
  private String location;
  private volatile String library;
  private volatile int capabilities;
  private volatile String method;
  private volatile String path;
  private volatile boolean timedOut;
  private volatile boolean cancelled;
  private volatile int finishedStatus = Integer.MIN_VALUE;
  private volatile long bytesReceived = -1;
  private volatile long bytesSent = -1;
  private volatile int finishes;

  // ---- the script ----

  /** Attempts go to these endpoints in turn (the last one repeats). */
  public ScriptedCall endpoints(InetSocketAddress... addresses) {
    for (InetSocketAddress a : addresses) {
      endpoints.add(new MeshEndpointAddress(a.getAddress(), a.getPort()));
    }
    return this;
  }

  /** Retries these statuses, up to {@code retries} times, also after connect failures and resets. */
  public ScriptedCall retry(int retries, int... statuses) {
    this.retries = retries;
    this.retryOnFailure = true;
    for (int s : statuses) {
      retryOn.add(s);
    }
    return this;
  }

  public ScriptedCall backOff(long nanos) {
    this.backOffNanos = nanos;
    return this;
  }

  public ScriptedCall delay(long nanos) {
    this.delayNanos = nanos;
    return this;
  }

  public ScriptedCall perTryTimeout(long nanos) {
    this.perTryNanos = nanos;
    return this;
  }

  public ScriptedCall timeout(long nanos) {
    this.timeoutNanos = nanos;
    return this;
  }

  public ScriptedCall tls(SSLContext context) {
    this.tls = context;
    return this;
  }

  /** Answers locally instead of sending. */
  public ScriptedCall reply(int status, String body) {
    this.replyStatus = status;
    this.replyBody = body;
    return this;
  }

  public ScriptedCall redirect(int status, String location) {
    this.replyStatus = status;
    this.location = location;
    return this;
  }

  public ScriptedCall setRequestHeader(String name, String value) {
    setRequestHeaders.put(name, value);
    return this;
  }

  public ScriptedCall setResponseHeader(String name, String value) {
    setResponseHeaders.put(name, value);
    return this;
  }

  // ---- what happened ----

  void decided(String library, int capabilities, MeshRequest request) {
    this.library = library;
    this.capabilities = capabilities;
    this.method = request.method();
    this.path = request.path();
  }

  public String library() {
    return library;
  }

  public int capabilities() {
    return capabilities;
  }

  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  public List<Attempt> attempts() {
    synchronized (attempts) {
      return List.copyOf(attempts);
    }
  }

  public boolean wasTimedOut() {
    return timedOut;
  }

  public boolean wasCancelled() {
    return cancelled;
  }

  /** The status {@link #finish} recorded; {@link Integer#MIN_VALUE} until then. */
  public int finishedStatus() {
    return finishedStatus;
  }

  public long bytesReceived() {
    return bytesReceived;
  }

  public long bytesSent() {
    return bytesSent;
  }

  /** How many times {@link #finish} was called (exactly once is right). */
  public int finishes() {
    return finishes;
  }

  /** Waits for {@link #finish}; whether it came in time. */
  public boolean awaitFinish(long millis) throws InterruptedException {
    return finished.await(millis, TimeUnit.MILLISECONDS);
  }

  // ---- MeshCall ----

  @Override
  public int action() {
    return replyStatus >= 0 ? REPLY : SEND;
  }

  @Override
  public MeshEndpointAddress endpoint() {
    return endpoints.isEmpty() ? null : endpoints.get(Math.min(current, endpoints.size() - 1));
  }

  @Override
  public SSLContext tls() {
    return tls;
  }

  @Override
  public long delayNanos() {
    return delayNanos;
  }

  @Override
  public long perTryTimeoutNanos() {
    return perTryNanos;
  }

  @Override
  public long timeoutNanos() {
    return timeoutNanos;
  }

  @Override
  public boolean mayRetry() {
    return retries > 0;
  }

  @Override
  public int replayLimit() {
    return 64 * 1024;
  }

  @Override
  public void requestHeaders(MeshHeaders headers) {
    setRequestHeaders.forEach(headers::set);
  }

  @Override
  public void responseHeaders(MeshHeaders headers) {
    setResponseHeaders.forEach(headers::set);
  }

  @Override
  public int replyStatus() {
    return Math.max(replyStatus, 0);
  }

  @Override
  public int replyGrpcStatus() {
    return -1;
  }

  @Override
  public String replyBody() {
    return replyBody;
  }

  @Override
  public String replyLocation() {
    return location;
  }

  @Override
  public boolean attemptEnded(int status, int grpcStatus, int failure) {
    attempts.add(new Attempt(endpoint(), status, grpcStatus, failure));
    boolean retriable = failure == NO_FAILURE ? retryOn.contains(status) : retryOnFailure;
    if (retriable && attempts.size() <= retries) {
      current++;
      return true;
    }
    return false;
  }

  @Override
  public long backOffNanos() {
    return backOffNanos;
  }

  @Override
  public void timedOut() {
    timedOut = true;
  }

  @Override
  public void cancelled() {
    cancelled = true;
  }

  @Override
  public void finish(int status, int grpcStatus, long bytesReceived, long bytesSent) {
    this.finishedStatus = status;
    this.bytesReceived = bytesReceived;
    this.bytesSent = bytesSent;
    finishes++;
    finished.countDown();
  }
}
