package dev.jmesh.instrumentation.api;

/**
 * A call to a static method of the bridge ({@code dev.jmesh.bootstrap.MeshHooks}) woven into one
 * method of one class, without ByteBuddy: the agent's own small ASM weaver puts it at the
 * method's entry or before each of its normal returns. This is how the JDK's sockets are
 * rewritten, because they must be in place before the application's first bind or connect, and
 * ByteBuddy's advice machinery takes hundreds of milliseconds to load in a fresh JVM.
 *
 * <p>The bridge method must never throw (the bridge catches everything), so no handler is woven.
 * Descriptors are JVM descriptors, e.g. {@code (Ljava/net/SocketAddress;I)V}.
 */
public record BridgeHook(
    String className,
    String methodName,
    String methodDescriptor,
    Kind kind,
    int argument,
    String hookName,
    String hookDescriptor) {

  /** Where the call goes and what it is handed. */
  public enum Kind {
    /** On entry, {@code arg = hook(arg)}: the bridge may replace the argument. */
    REPLACE_ARGUMENT_ON_ENTER,
    /** On entry, {@code hook(arg)}: the bridge sees the argument (as any supertype, e.g. Object). */
    PASS_ARGUMENT_ON_ENTER,
    /** Before each normal return, {@code hook(this)}. */
    PASS_THIS_ON_EXIT,
    /** Before each normal return, {@code hook(arg)}. */
    PASS_ARGUMENT_ON_EXIT,
    /** Before each normal return, {@code hook(returnValue)}; the value is returned unchanged. */
    PASS_RETURN_VALUE_ON_EXIT,
    /** On entry, {@code arg = hook(this, arg)}: the bridge may replace the argument. */
    REPLACE_ARGUMENT_WITH_THIS_ON_ENTER,
    /**
     * Before each normal return, {@code returnValue = hook(this, returnValue)}: the bridge may
     * replace what the method returns (a one-slot value: a reference or an int).
     */
    REPLACE_RETURN_VALUE_WITH_THIS_ON_EXIT,
    /**
     * On entry, {@code r = hook(arg); if (r != null) return r;}: the bridge may answer instead of
     * the method, whose return type must be a reference.
     */
    ANSWER_ON_ENTER
  }

  public static BridgeHook replaceArgumentOnEnter(String className, String methodName,
      String methodDescriptor, int argument, String hookName, String hookDescriptor) {
    return new BridgeHook(className, methodName, methodDescriptor,
        Kind.REPLACE_ARGUMENT_ON_ENTER, argument, hookName, hookDescriptor);
  }

  public static BridgeHook passArgumentOnEnter(String className, String methodName,
      String methodDescriptor, int argument, String hookName, String hookDescriptor) {
    return new BridgeHook(className, methodName, methodDescriptor, Kind.PASS_ARGUMENT_ON_ENTER,
        argument, hookName, hookDescriptor);
  }

  public static BridgeHook passThisOnExit(String className, String methodName,
      String methodDescriptor, String hookName, String hookDescriptor) {
    return new BridgeHook(className, methodName, methodDescriptor, Kind.PASS_THIS_ON_EXIT, -1,
        hookName, hookDescriptor);
  }

  public static BridgeHook passArgumentOnExit(String className, String methodName,
      String methodDescriptor, int argument, String hookName, String hookDescriptor) {
    return new BridgeHook(className, methodName, methodDescriptor, Kind.PASS_ARGUMENT_ON_EXIT,
        argument, hookName, hookDescriptor);
  }

  public static BridgeHook passReturnValueOnExit(String className, String methodName,
      String methodDescriptor, String hookName, String hookDescriptor) {
    return new BridgeHook(className, methodName, methodDescriptor,
        Kind.PASS_RETURN_VALUE_ON_EXIT, -1, hookName, hookDescriptor);
  }

  public static BridgeHook replaceArgumentWithThisOnEnter(String className, String methodName,
      String methodDescriptor, int argument, String hookName, String hookDescriptor) {
    return new BridgeHook(className, methodName, methodDescriptor,
        Kind.REPLACE_ARGUMENT_WITH_THIS_ON_ENTER, argument, hookName, hookDescriptor);
  }

  public static BridgeHook replaceReturnValueWithThisOnExit(String className, String methodName,
      String methodDescriptor, String hookName, String hookDescriptor) {
    return new BridgeHook(className, methodName, methodDescriptor,
        Kind.REPLACE_RETURN_VALUE_WITH_THIS_ON_EXIT, -1, hookName, hookDescriptor);
  }

  public static BridgeHook answerOnEnter(String className, String methodName,
      String methodDescriptor, int argument, String hookName, String hookDescriptor) {
    return new BridgeHook(className, methodName, methodDescriptor, Kind.ANSWER_ON_ENTER,
        argument, hookName, hookDescriptor);
  }
}
