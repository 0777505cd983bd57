package dev.jmesh.instrumentation.servlet.v5_0;

import dev.jmesh.bootstrap.MeshInboundRequest;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Records an asynchronous request when its response is over: the container calls {@code onComplete}
 * after a timeout or an error too (with the status it answered), so that is the one place that
 * finishes the record.
 */
public final class AsyncCompletion implements AsyncListener {

  private final MeshInboundRequest decision;
  private final HttpServletResponse response;

  public AsyncCompletion(MeshInboundRequest decision, HttpServletResponse response) {
    this.decision = decision;
    this.response = response;
  }

  @Override
  public void onComplete(AsyncEvent event) {
    decision.finish(response.getStatus(), -1, 0, 0);
  }

  @Override
  public void onTimeout(AsyncEvent event) {}

  @Override
  public void onError(AsyncEvent event) {}

  @Override
  public void onStartAsync(AsyncEvent event) {
    // A new asynchronous cycle drops the listeners: stay for its completion.
    event.getAsyncContext().addListener(this);
  }
}
