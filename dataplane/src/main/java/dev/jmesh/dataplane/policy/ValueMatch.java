package dev.jmesh.dataplane.policy;

import com.google.protobuf.Value;
import dev.jmesh.dataplane.route.StringMatch;
import java.util.List;

/**
 * A compiled Envoy {@code ValueMatcher} over a metadata value. A string matcher also accepts a list
 * holding a matching string, since Istio's {@code request.auth.audiences} is a list here.
 */
@FunctionalInterface
public interface ValueMatch {

  /** Whether {@code value} matches; {@code null} is a missing value. */
  boolean matches(Value value);

  static ValueMatch string(StringMatch match) {
    return new ValueMatch() {
      @Override
      public boolean matches(Value v) {
        if (v == null) {
          return false;
        }
        if (v.hasListValue()) {
          for (int i = 0; i < v.getListValue().getValuesCount(); i++) {
            Value e = v.getListValue().getValues(i);
            if (e.hasStringValue() && match.matches(e.getStringValue())) {
              return true;
            }
          }
          return false;
        }
        return v.hasStringValue() && match.matches(v.getStringValue());
      }
    };
  }

  /** {@code present_match}. */
  static ValueMatch present(boolean present) {
    return v -> (v != null && !v.hasNullValue()) == present;
  }

  static ValueMatch bool(boolean expected) {
    return v -> v != null && v.hasBoolValue() && v.getBoolValue() == expected;
  }

  /** {@code list_match.one_of}: a list with at least one matching element. */
  static ValueMatch oneOf(ValueMatch element) {
    return v -> {
      if (v == null || !v.hasListValue()) {
        return false;
      }
      for (int i = 0; i < v.getListValue().getValuesCount(); i++) {
        if (element.matches(v.getListValue().getValues(i))) {
          return true;
        }
      }
      return false;
    };
  }

  static ValueMatch or(List<ValueMatch> any) {
    ValueMatch[] all = any.toArray(new ValueMatch[0]);
    return v -> {
      for (ValueMatch m : all) {
        if (m.matches(v)) {
          return true;
        }
      }
      return false;
    };
  }
}
