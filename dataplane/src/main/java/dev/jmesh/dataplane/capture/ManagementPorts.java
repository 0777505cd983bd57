package dev.jmesh.dataplane.capture;

/**
 * JMX, RMI and debug servers are the operator's, not the service's: Istio leaves them out of
 * capture unless declared, and so does jmesh. A bind is one of them when its port is a configured
 * JMX port or when the JDK's RMI or management code is the one binding.
 */
public final class ManagementPorts {

  private ManagementPorts() {}

  public static boolean isManagementBind(int port) {
    if (port == Integer.getInteger("com.sun.management.jmxremote.port", -1)
        || port == Integer.getInteger("com.sun.management.jmxremote.rmi.port", -1)) {
      return true;
    }
    // Binds are rare; walking the stack once each is cheap next to the bind itself.
    return StackWalker.getInstance()
        .walk(
            frames ->
                frames.anyMatch(
                    f ->
                        f.getClassName().startsWith("sun.rmi.")
                            || f.getClassName().startsWith("javax.management.")
                            || f.getClassName().startsWith("sun.management.")
                            || f.getClassName().startsWith("jdk.internal.agent.")));
  }
}
