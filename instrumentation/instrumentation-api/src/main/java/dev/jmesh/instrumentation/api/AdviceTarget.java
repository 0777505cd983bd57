package dev.jmesh.instrumentation.api;

import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/** Where a {@link TypeInstrumentation} says which advice class goes on which methods. */
public interface AdviceTarget {

  /**
   * Weaves {@code adviceClassName} (a class with {@code @Advice.OnMethodEnter}/{@code Exit}
   * methods, in the module's own jar) around every method {@code methods} matches.
   */
  void applyAdvice(ElementMatcher<? super MethodDescription> methods, String adviceClassName);
}
