package dev.jmesh.instrumentation.api;

import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/** The rewriting of one class (or one family of classes) by advice. */
public interface TypeInstrumentation {

  ElementMatcher<TypeDescription> typeMatcher();

  /** Declares the advice to weave, by calling {@link AdviceTarget#applyAdvice}. */
  void transform(AdviceTarget target);
}
