package dev.jmesh.testapps.outboundload;

/**
 * One shared, pooled client of a library: every worker calls {@link #get()} on the same instance,
 * as the threads of an ordinary service share its client.
 */
interface HttpLoadClient extends AutoCloseable {

  /**
   * Sends one GET to the load's URL on the calling thread and reads the whole body, as an
   * application would.
   *
   * @return the response status
   */
  int get() throws Exception;

  @Override
  void close();
}
