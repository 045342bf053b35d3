package org.asyncparallel.internal.codec;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.asyncparallel.ParallelException;

/**
 * A short encoding for a serializable lambda or method reference (a task, a body, a pool's
 * function): the names of its {@link SerializedLambda} and its captured arguments, each encoded by
 * {@link Codec}. The receiving process rebuilds it as Java serialization would, by calling the
 * capturing class's own {@code $deserializeLambda$} (which accepts only the lambdas that class
 * defines), but without an object stream: a trivial task took 15-30 µs to read back through
 * {@code ObjectInputStream} here, and about 1 µs so. The deserialization filter sees the capturing
 * class (as it would in a stream) and each captured argument. A {@code Task} or {@code Body}
 * lambda is rebuilt around its body method instead ({@link RebuiltLambda}): linking a serializable
 * lambda costs a fresh worker 1.5-2 ms.
 *
 * <pre>
 *  +-----+------------------------------------------------------+-------+---------------------------+
 *  | tag | 8 names: u16 length + UTF-8 each (capturing class,  | kind  | count u8, then per argument|
 *  |  9  | interface, its method and signature, implementation  | u8    | u32 length + Codec bytes   |
 *  |     | class, method and signature, instantiated type)      |       |                            |
 *  +-----+------------------------------------------------------+-------+---------------------------+
 * </pre>
 *
 * <p>A lambda whose class lies in a named module, or that this encoding cannot take for any other
 * reason, goes through Java serialization as before.
 */
final class LambdaValues {
  static final byte LAMBDA = 9;

  /** A lambda class's {@code writeReplace}, or null if it has none this code may call. */
  private static final ClassValue<MethodHandle> WRITE_REPLACE = new ClassValue<>() {
    @Override
    protected MethodHandle computeValue(Class<?> type) {
      try {
        Method method = type.getDeclaredMethod("writeReplace");
        method.setAccessible(true);
        return MethodHandles.lookup().unreflect(method);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
  };

  /** A capturing class's {@code $deserializeLambda$}, or null if it has none this code may call. */
  private static final ClassValue<MethodHandle> DESERIALIZE = new ClassValue<>() {
    @Override
    protected MethodHandle computeValue(Class<?> type) {
      try {
        Method method = type.getDeclaredMethod("$deserializeLambda$", SerializedLambda.class);
        method.setAccessible(true);
        return MethodHandles.lookup().unreflect(method);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
  };

  private LambdaValues() {}

  /** The short encoding of a serializable lambda, or null for anything else (or if it cannot take it). */
  static byte[] encode(Object value, String what) {
    if (value instanceof RebuiltLambda rebuilt) {
      return encode(rebuilt.form(), what);
    }
    Class<?> type = value.getClass();
    if (!type.isHidden() || !(value instanceof Serializable) || type.getModule().isNamed()) {
      return null;
    }
    MethodHandle writeReplace = WRITE_REPLACE.get(type);
    if (writeReplace == null) {
      return null;
    }
    try {
      return writeReplace.invoke(value) instanceof SerializedLambda lambda ? encode(lambda, what) : null;
    } catch (Throwable e) {
      if (e instanceof Error error && !(e instanceof LinkageError)) {
        throw error;
      }
      return null;
    }
  }

  /** The short encoding of a lambda's serialized form, or null if it cannot take it. */
  private static byte[] encode(SerializedLambda lambda, String what) {
    try {
      if (lambda.getCapturedArgCount() > 255) {
        return null;
      }
      var bytes = new ByteArrayOutputStream(256);
      var out = new DataOutputStream(bytes);
      out.writeByte(LAMBDA);
      for (String name : new String[] {lambda.getCapturingClass(), lambda.getFunctionalInterfaceClass(),
          lambda.getFunctionalInterfaceMethodName(), lambda.getFunctionalInterfaceMethodSignature(),
          lambda.getImplClass(), lambda.getImplMethodName(), lambda.getImplMethodSignature(),
          lambda.getInstantiatedMethodType()}) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > 0xffff) {
          return null;
        }
        out.writeShort(utf8.length);
        out.write(utf8);
      }
      out.writeByte(lambda.getImplMethodKind());
      out.writeByte(lambda.getCapturedArgCount());
      for (int i = 0; i < lambda.getCapturedArgCount(); i++) {
        byte[] arg = Codec.encode(lambda.getCapturedArg(i), what);
        out.writeInt(arg.length);
        out.write(arg);
      }
      return bytes.toByteArray();
    } catch (ParallelException e) {
      return null; // a captured argument that does not serialize: Java serialization says which, and why
    } catch (Throwable e) {
      if (e instanceof Error error && !(e instanceof LinkageError)) {
        throw error;
      }
      return null;
    }
  }

  /** True when {@code bytes} were made by {@link #encode}. */
  static boolean isLambda(byte[] bytes) {
    return bytes.length > 0 && bytes[0] == LAMBDA;
  }

  /**
   * Rebuilds a lambda from bytes for which {@link #isLambda} holds.
   *
   * @throws ParallelException if they are malformed, name a class not on this class path or one
   *     the filter rejects, or the capturing class does not define such a lambda
   */
  static Object decode(byte[] bytes, String what, ClassLoader loader, DeserializationFilter filter, int depth) {
    ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
    String[] names = new String[8];
    Object[] captured;
    int kind;
    try {
      for (int i = 0; i < names.length; i++) {
        int length = Short.toUnsignedInt(in.getShort());
        names[i] = new String(bytes, in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
      }
      kind = Byte.toUnsignedInt(in.get());
      captured = new Object[Byte.toUnsignedInt(in.get())];
      // as in a stream: the lambda at depth 1, its class and its array of captured arguments at 2
      String refused = filter == null || captured.length == 0 ? null
          : filter.refusal(Object[].class, captured.length, depth + 2, bytes.length);
      if (refused != null) {
        throw new ParallelException(what + " cannot be deserialized in this process: " + refused
            + " is rejected by the deserialization filter \"" + filter.pattern() + "\" (Config.deserializationFilter)");
      }
      for (int i = 0; i < captured.length; i++) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
          throw new IllegalArgumentException("a captured argument of " + length + " bytes where "
              + in.remaining() + " remain");
        }
        byte[] arg = new byte[length];
        in.get(arg);
        captured[i] = Codec.decode(arg, what, depth + 2); // each at depth 3, as in a stream
      }
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " bytes after the last captured argument");
      }
    } catch (BufferUnderflowException | IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new ParallelException(what + " cannot be decoded: a malformed lambda (" + e.getMessage() + ")", e);
    }
    String className = names[0].replace('/', '.');
    Class<?> capturing;
    try {
      capturing = Class.forName(className, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ParallelException(what + " cannot be deserialized in this process: class " + className
          + " is not on its class path", e);
    }
    String refused = filter == null ? null : filter.refusal(capturing, -1, depth + 2, bytes.length);
    if (refused != null) {
      throw new ParallelException(what + " cannot be deserialized in this process: " + refused
          + " is rejected by the deserialization filter \"" + filter.pattern() + "\" (Config.deserializationFilter)");
    }
    var lambda = new SerializedLambda(capturing, names[1], names[2], names[3], kind, names[4], names[5], names[6],
        names[7], captured);
    Object rebuilt = RebuiltLambda.rebuild(capturing, lambda);
    if (rebuilt != null) {
      return rebuilt; // without linking the lambda: see RebuiltLambda
    }
    MethodHandle deserialize = DESERIALIZE.get(capturing);
    if (deserialize == null) {
      throw new ParallelException(what + " cannot be deserialized in this process: class " + className
          + " defines no serializable lambda");
    }
    try {
      return deserialize.invoke(lambda);
    } catch (Throwable e) {
      if (e instanceof Error error && !(e instanceof LinkageError)) {
        throw error;
      }
      throw new ParallelException(what + " cannot be deserialized in this process: " + e, e);
    }
  }
}
