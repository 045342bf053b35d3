package org.asyncparallel.internal.net;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.Provider;
import java.security.SecureRandomSpi;

/**
 * Initializes the JDK's Unix-domain socket support ({@code sun.nio.ch.UnixDomainSockets}) without
 * starting the JDK's security providers, in a worker before its first connection.
 *
 * <p>That class's initializer asks for a {@code SecureRandom} (it names the sockets that are bound
 * to no address, which this library never does), and a JVM's first {@code SecureRandom} loads the
 * security provider framework: ~20 ms of CPU, an eighth of a local worker's start-up, which wide
 * and deep trees of workers pay once per worker. Here the initializer gets its {@code SecureRandom}
 * from a provider of this class's, which reads {@code /dev/urandom} (where the JDK's would read
 * it too), handed to it through the JDK's per-thread provider list ({@code sun.security.jca.Providers},
 * which the worker's {@link #EXPORT_OPTION} opens to this class path). The JVM's provider list is
 * untouched: a task's own {@code SecureRandom}, {@code Cipher} or TLS get the JDK's providers as
 * usual, and start them then.
 *
 * <p>Best effort: without the option, on a JDK without those methods, or on any error, nothing
 * changes and the class initializes the usual way at the first connection.
 */
public final class UnixSocketsInit {
  /** The worker JVM option that lets {@link #run} reach the JDK's per-thread provider list. */
  public static final String EXPORT_OPTION = "--add-exports=java.base/sun.security.jca=ALL-UNNAMED";

  private UnixSocketsInit() {}

  /** Initializes {@code UnixDomainSockets} as described above, or does nothing. Throws only the JVM's own errors (out of memory). */
  public static void run() {
    if (Object.class.getModule().isExported("sun.security.jca", UnixSocketsInit.class.getModule())) {
      try {
        // method handles, not Method.invoke: a reflected method's first call builds an accessor
        // of its own (~5 ms more for these three here)
        Class<?> providers = Class.forName("sun.security.jca.Providers");
        Class<?> providerList = Class.forName("sun.security.jca.ProviderList");
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodHandle newList = lookup.findStatic(providerList, "newList",
            MethodType.methodType(providerList, Provider[].class)).asType(MethodType.methodType(Object.class, Provider[].class));
        MethodHandle begin = lookup.findStatic(providers, "beginThreadProviderList",
            MethodType.methodType(providerList, providerList)).asType(MethodType.methodType(Object.class, Object.class));
        MethodHandle end = lookup.findStatic(providers, "endThreadProviderList",
            MethodType.methodType(void.class, providerList)).asType(MethodType.methodType(void.class, Object.class));
        Object list = (Object) newList.invokeExact(new Provider[] {new UrandomProvider()});
        Object previous = (Object) begin.invokeExact(list);
        try {
          Class.forName("sun.nio.ch.UnixDomainSockets", true, null);
        } finally {
          end.invokeExact(previous);
        }
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) { // invokeExact declares Throwable
        // the usual initialization, at the first connection
      }
    }
  }

  /** A provider of one algorithm: the one {@code UnixDomainSockets} asks for. */
  private static final class UrandomProvider extends Provider {
    private static final long serialVersionUID = 1L;

    UrandomProvider() {
      super("AsyncParallelUrandom", "1", "/dev/urandom, for the JDK's Unix-domain sockets");
      put("SecureRandom.NativePRNGNonBlocking", Urandom.class.getName());
    }
  }

  /**
   * Random bytes from {@code /dev/urandom}, the kernel's generator (what the JDK's
   * {@code NativePRNGNonBlocking} reads). Public, with a public constructor: the JDK's provider
   * framework instantiates it by name.
   */
  public static final class Urandom extends SecureRandomSpi {
    private static final long serialVersionUID = 1L;

    /** Called by the provider framework. */
    public Urandom() {}

    @Override
    protected void engineSetSeed(byte[] seed) {
      // the kernel's generator needs no seed
    }

    @Override
    protected void engineNextBytes(byte[] bytes) {
      try (InputStream in = new FileInputStream("/dev/urandom")) {
        if (in.readNBytes(bytes, 0, bytes.length) != bytes.length) {
          throw new IOException("/dev/urandom ended");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read /dev/urandom", e);
      }
    }

    @Override
    protected byte[] engineGenerateSeed(int n) {
      byte[] seed = new byte[n];
      engineNextBytes(seed);
      return seed;
    }
  }
}
