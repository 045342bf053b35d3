package org.asyncparallel.internal.codec;

import java.io.Serializable;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Explains what a serializable lambda captured, for the error when it cannot be serialized: the
 * most common cause is a lambda that uses a field or method of its enclosing object and so
 * captures {@code this}.
 */
final class LambdaCaptures {
  private LambdaCaptures() {}

  /** " (the lambda at Cls.method captures [A, B])", or empty when value is not a lambda. */
  static String describe(Object value) {
    if (!(value instanceof Serializable) || !value.getClass().isSynthetic()) {
      return "";
    }
    try {
      Method writeReplace = value.getClass().getDeclaredMethod("writeReplace");
      writeReplace.setAccessible(true);
      if (!(writeReplace.invoke(value) instanceof SerializedLambda lambda)) {
        return "";
      }
      List<String> captured = new ArrayList<>();
      for (int i = 0; i < lambda.getCapturedArgCount(); i++) {
        Object arg = lambda.getCapturedArg(i);
        String type = arg == null ? "null" : arg.getClass().getName();
        captured.add(arg instanceof Serializable || arg == null ? type : type + " (not Serializable)");
      }
      String where = lambda.getCapturingClass().replace('/', '.') + "." + lambda.getImplMethodName();
      return " (the lambda " + where + " captures " + captured
          + "; a lambda that uses a field or method of its enclosing object captures that object)";
    } catch (ReflectiveOperationException | RuntimeException e) {
      return "";
    }
  }
}
