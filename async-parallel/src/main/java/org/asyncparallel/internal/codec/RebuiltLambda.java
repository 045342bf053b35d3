package org.asyncparallel.internal.codec;

import java.io.Serial;
import java.io.Serializable;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.asyncparallel.Body;
import org.asyncparallel.Hub;
import org.asyncparallel.Task;

/**
 * A serializable {@link Task} or {@link Body} lambda rebuilt around its body method, called by
 * reflection, instead of by the capturing class's {@code $deserializeLambda$}. That one links the
 * lambda's call site the first time, and linking a serializable lambda (spinning its class with
 * {@code LambdaMetafactory.altMetafactory}, which no class archive keeps) costs a fresh worker JVM
 * 1.5-2 ms: most of a {@code run}'s latency. A worker runs its task or body once, so the
 * reflective call costs nothing that matters.
 *
 * <p>Only the body of a serializable lambda is called so: a synthetic method of the capturing
 * class (which the deserialization filter has let through) named as javac names the bodies of
 * serializable lambdas only ({@link #SERIALIZABLE_BODY}), whose parameters the captured values
 * fit. Anything else (a method reference, another compiler's names, another interface) goes
 * through {@code $deserializeLambda$} as before.
 *
 * <p>Serializing it again, with the {@code Codec} or Java serialization, writes the original
 * lambda's form ({@link #writeReplace}): the receiver gets the same lambda back.
 */
abstract sealed class RebuiltLambda implements Serializable permits RebuiltLambda.OfTask, RebuiltLambda.OfBody {
  @Serial private static final long serialVersionUID = 1L;
  private static final String TASK = "org/asyncparallel/Task";
  private static final String BODY = "org/asyncparallel/Body";

  /**
   * How javac names the body of a serializable lambda: {@code lambda$}, the enclosing method's
   * name, a hash of the lambda's signature and position, a counter. The body of a lambda that is
   * not serializable is named {@code lambda$method$counter}.
   */
  private static final Pattern SERIALIZABLE_BODY = Pattern.compile("lambda\\$.*\\$[0-9a-f]+\\$[0-9]+");

  /** Per capturing class: the body methods found so far, by name and descriptor. */
  private static final ClassValue<Map<String, Method>> BODIES = new ClassValue<>() {
    @Override
    protected Map<String, Method> computeValue(Class<?> type) {
      return new ConcurrentHashMap<>();
    }
  };

  private final transient Method body;
  private final transient Object receiver;
  private final transient Object[] captured;
  private final SerializedLambda form;

  private RebuiltLambda(Method body, Object receiver, Object[] captured, SerializedLambda form) {
    this.body = body;
    this.receiver = receiver;
    this.captured = captured;
    this.form = form;
  }

  /**
   * The lambda rebuilt around its body method, or null if it is not one this class rebuilds (the
   * caller then goes through {@code $deserializeLambda$}).
   *
   * @param capturing the capturing class, already checked by the deserialization filter
   * @param form the lambda's serialized form, with its captured values already decoded
   */
  static Object rebuild(Class<?> capturing, SerializedLambda form) {
    String fi = form.getFunctionalInterfaceClass();
    boolean task = fi.equals(TASK) && form.getFunctionalInterfaceMethodName().equals("call")
        && form.getFunctionalInterfaceMethodSignature().equals("()Ljava/lang/Object;");
    boolean body = fi.equals(BODY) && form.getFunctionalInterfaceMethodName().equals("apply")
        && form.getFunctionalInterfaceMethodSignature().equals("(Lorg/asyncparallel/Hub;)Ljava/lang/Object;");
    int kind = form.getImplMethodKind();
    boolean isStatic = kind == MethodHandleInfo.REF_invokeStatic;
    if (!(task || body) || !form.getImplClass().equals(form.getCapturingClass())
        || !(isStatic || kind == MethodHandleInfo.REF_invokeSpecial || kind == MethodHandleInfo.REF_invokeVirtual)
        || !SERIALIZABLE_BODY.matcher(form.getImplMethodName()).matches()) {
      return null;
    }
    Method method = BODIES.get(capturing).computeIfAbsent(form.getImplMethodName() + form.getImplMethodSignature(),
        key -> find(capturing, form.getImplMethodName(), form.getImplMethodSignature()));
    if (method == null || Modifier.isStatic(method.getModifiers()) != isStatic) {
      return null;
    }
    Object[] values = new Object[form.getCapturedArgCount()];
    for (int i = 0; i < values.length; i++) {
      values[i] = form.getCapturedArg(i);
    }
    Object receiver = null;
    Object[] arguments = values;
    if (!isStatic) {
      if (values.length == 0 || !capturing.isInstance(values[0])) {
        return null;
      }
      receiver = values[0];
      arguments = Arrays.copyOfRange(values, 1, values.length);
    }
    Class<?>[] parameters = method.getParameterTypes();
    int extra = body ? 1 : 0;
    if (parameters.length != arguments.length + extra
        || (body && !parameters[parameters.length - 1].isAssignableFrom(Hub.class))) {
      return null;
    }
    for (int i = 0; i < arguments.length; i++) {
      if (!fits(parameters[i], arguments[i])) {
        return null;
      }
    }
    return task ? new OfTask(method, receiver, arguments, form) : new OfBody(method, receiver, arguments, form);
  }

  /** The body method, made callable, or null if the class has no such synthetic method. */
  private static Method find(Class<?> capturing, String name, String descriptor) {
    try {
      Class<?>[] parameters = MethodType.fromMethodDescriptorString(descriptor, capturing.getClassLoader())
          .parameterArray();
      Method method = capturing.getDeclaredMethod(name, parameters);
      if (!method.isSynthetic()) {
        return null;
      }
      method.setAccessible(true);
      return method;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null; // not there, or not ours to call: $deserializeLambda$ says what is wrong
    }
  }

  private static boolean fits(Class<?> parameter, Object value) {
    if (!parameter.isPrimitive()) {
      return value == null || parameter.isInstance(value);
    }
    return value != null && MethodType.methodType(parameter).wrap().returnType().isInstance(value);
  }

  /** The lambda's serialized form: what {@code Codec} and Java serialization write for it. */
  SerializedLambda form() {
    return form;
  }

  /** Calls the body method with the captured values, then {@code extra}; its exceptions pass through as they are. */
  final Object invoke(Object... extra) throws Exception {
    Object[] arguments = captured;
    if (extra.length > 0) {
      arguments = Arrays.copyOf(captured, captured.length + extra.length);
      System.arraycopy(extra, 0, arguments, captured.length, extra.length);
    }
    try {
      return body.invoke(receiver, arguments);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception exception) {
        throw exception;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw e; // a Throwable of neither kind: the lambda itself could not throw it without declaring it
    }
  }

  /** Java serialization writes the lambda's own serialized form, read back as the lambda itself. */
  @Serial
  final Object writeReplace() {
    return form;
  }

  @Override
  public String toString() {
    return form.getCapturingClass().replace('/', '.') + "$$Lambda(" + form.getImplMethodName() + ")";
  }

  /** A rebuilt {@link Task}. */
  static final class OfTask extends RebuiltLambda implements Task<Object> {
    @Serial private static final long serialVersionUID = 1L;

    OfTask(Method body, Object receiver, Object[] captured, SerializedLambda form) {
      super(body, receiver, captured, form);
    }

    @Override
    public Object call() throws Exception {
      return invoke();
    }
  }

  /** A rebuilt {@link Body}. */
  static final class OfBody extends RebuiltLambda implements Body<Object, Object, Object> {
    @Serial private static final long serialVersionUID = 1L;

    OfBody(Method body, Object receiver, Object[] captured, SerializedLambda form) {
      super(body, receiver, captured, form);
    }

    @Override
    public Object apply(Hub<Object, Object> hub) throws Exception {
      return invoke(hub);
    }
  }
}
