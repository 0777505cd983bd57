package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshHooks;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;

/**
 * Asynchronous calls are decided when the application enqueues them, not on the dispatcher: a fault
 * delay waited for inside the interceptor would hold one of the dispatcher's few slots per host (5
 * by default), so 50 delayed calls would take ten delays. A delayed call is enqueued for real when
 * the mesh's timer fires; the decision waits here for the interceptor, which must not ask the data
 * path again (that would count the request twice) nor wait again.
 */
public final class EnqueuedDecisions {

  /** The decision "send untouched", which the map cannot hold as {@code null}. */
  private static final Object UNTOUCHED = new Object();

  /**
   * Decided calls not yet at the interceptor, by identity (calls do not override {@code equals}).
   * An entry lives from enqueue to the interceptor's first step; only a call the dispatcher refuses
   * outright (shut down) leaves one behind.
   */
  private static final ConcurrentHashMap<Call, Object> DECIDED = new ConcurrentHashMap<>();

  private EnqueuedDecisions() {}

  /**
   * {@code RealCall.enqueue} entry: decides the call and returns {@code true} when the enqueue is
   * to be skipped because the mesh's timer will enqueue it after the fault delay.
   */
  public static boolean deferEnqueue(Call okCall, OkHttpClient client, Callback callback) {
    if (okCall == null || client == null || okCall.isExecuted() || DECIDED.containsKey(okCall)) {
      // The timer's own enqueue, or an application's second one (OkHttp refuses it).
      return false;
    }
    MeshInterceptor mesh = MeshInterceptor.of(client.interceptors());
    if (mesh == null) {
      return false;
    }
    MeshCall call = mesh.decide(okCall.request());
    DECIDED.put(okCall, call == null ? UNTOUCHED : call);
    if (call == null || call.delayNanos() <= 0) {
      return false;
    }
    MeshHooks.schedule(() -> enqueue(okCall, callback), call.delayNanos());
    return true;
  }

  private static void enqueue(Call okCall, Callback callback) {
    try {
      okCall.enqueue(callback);
    } catch (RuntimeException e) {
      // Enqueued meanwhile by the application itself ("Already Executed"): that one runs.
    }
  }

  /**
   * The decision made at enqueue, removed: a {@link MeshCall}, {@link #UNTOUCHED} as any other
   * non-null object, or {@code null} when the call was not decided early (synchronous).
   */
  static Object take(Call okCall) {
    return DECIDED.isEmpty() ? null : DECIDED.remove(okCall);
  }
}
