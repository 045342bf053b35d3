package org.asyncparallel;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything about start-up, for {@link Parallel#init(Config)}. Immutable; made by
 * {@link #builder()}, which checks every value when {@link Builder#build()} is called.
 *
 * <pre>{@code
 * Parallel.init(Config.builder()
 *     .cluster(new Cluster("master", List.of("host0", "host1")))
 *     .workerJvmOptions("-Xmx512m")
 *     .build());
 * }</pre>
 */
public final class Config {
  /** The largest message (frame) accepted on any connection unless configured: 64 MiB. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;

  private final Cluster cluster;
  private final List<String> sshCommand;
  private final List<String> workerJvmOptions;
  private final String javaCommand;
  private final int maxMessageBytes;
  private final Duration shutdownGracePeriod;
  private final Duration machineTimeout;
  private final String masterAddress;
  private final Duration startupTimeout;
  private final int spareWorkers;
  private final String deserializationFilter;
  private final long maxBufferedBytes;
  private final Duration bufferAgeLimit;

  private Config(Builder b) {
    this.deserializationFilter = b.deserializationFilter;
    this.maxBufferedBytes = b.maxBufferedBytes;
    this.bufferAgeLimit = b.bufferAgeLimit;
    this.spareWorkers = b.spareWorkers;
    this.machineTimeout = b.machineTimeout;
    this.masterAddress = b.masterAddress;
    this.startupTimeout = b.startupTimeout;
    this.cluster = b.cluster;
    this.sshCommand = b.sshCommand;
    this.workerJvmOptions = b.workerJvmOptions;
    this.javaCommand = b.javaCommand;
    this.maxMessageBytes = b.maxMessageBytes;
    this.shutdownGracePeriod = b.shutdownGracePeriod;
  }

  /** A builder with every default: this machine only, {@code ssh -o BatchMode=yes}, no options. */
  public static Builder builder() {
    return new Builder();
  }

  /** The machines; {@code null} means this machine only, named by its host name. */
  public Cluster cluster() {
    return cluster;
  }

  /** How to reach a worker machine; the machine name and the remote command are appended. */
  public List<String> sshCommand() {
    return sshCommand;
  }

  /** Extra JVM options for worker processes, after the library's own. */
  public List<String> workerJvmOptions() {
    return workerJvmOptions;
  }

  /** The {@code java} launcher for workers; {@code null} means the one running this process. */
  public String javaCommand() {
    return javaCommand;
  }

  /** The largest message accepted on any connection, in bytes. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** How long {@code shutdown} lets workers end by themselves before it kills them. */
  public Duration shutdownGracePeriod() {
    return shutdownGracePeriod;
  }

  /**
   * How long a worker machine may be silent (no heartbeat from its agent) before it is declared
   * lost: its pending futures then fail with {@code WorkerDiedException}.
   */
  public Duration machineTimeout() {
    return machineTimeout;
  }

  /** The address worker machines reach the master on; empty means each finds it by itself. */
  public String masterAddress() {
    return masterAddress;
  }

  /** How long {@code init} may take to reach a worker machine, ship the code and start its agent. */
  public Duration startupTimeout() {
    return startupTimeout;
  }

  /** How many worker JVMs are kept started and connected on each machine, waiting for a task. */
  public int spareWorkers() {
    return spareWorkers;
  }

  /** The bound of each connection's buffers, in bytes. See {@link Builder#maxBufferedBytes}. */
  public long maxBufferedBytes() {
    return maxBufferedBytes;
  }

  /** How long data may wait unwritten, or null for no limit. See {@link Builder#bufferAgeLimit}. */
  public Duration bufferAgeLimit() {
    return bufferAgeLimit;
  }

  /**
   * The {@link ObjectInputFilter} pattern every process of the runtime applies to the values it
   * deserializes; empty (the default) for none. See {@link Builder#deserializationFilter}.
   */
  public String deserializationFilter() {
    return deserializationFilter;
  }

  @Override
  public String toString() {
    return "Config[cluster=" + cluster + ", sshCommand=" + sshCommand
        + ", workerJvmOptions=" + workerJvmOptions + ", javaCommand=" + javaCommand
        + ", maxMessageBytes=" + maxMessageBytes + ", shutdownGracePeriod=" + shutdownGracePeriod
        + ", machineTimeout=" + machineTimeout + ", masterAddress=" + masterAddress
        + ", startupTimeout=" + startupTimeout + ", spareWorkers=" + spareWorkers
        + ", maxBufferedBytes=" + maxBufferedBytes + ", bufferAgeLimit=" + bufferAgeLimit
        + ", deserializationFilter=" + deserializationFilter + "]";
  }

  /** Builds a {@link Config}. Not thread-safe; each setter returns this builder. */
  public static final class Builder {
    private Cluster cluster;
    private List<String> sshCommand = List.of("ssh", "-o", "BatchMode=yes");
    private List<String> workerJvmOptions = List.of();
    private String javaCommand;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private Duration shutdownGracePeriod = Duration.ofSeconds(2);
    private Duration machineTimeout = Duration.ofSeconds(6);
    private String masterAddress = "";
    private Duration startupTimeout = Duration.ofSeconds(60);
    private int spareWorkers = 2;
    private long maxBufferedBytes = 16L << 20;
    private Duration bufferAgeLimit;
    private String deserializationFilter = "";

    private Builder() {}

    /**
     * Restricts which classes may be deserialized, in every process of the runtime: tasks and
     * bodies in the worker that runs them, results in the process that asked for them, channel
     * and hub messages wherever they are read. The pattern has the syntax and the meaning of
     * {@link ObjectInputFilter.Config#createFilter(String)} (that of {@code jdk.serialFilter}),
     * for example {@code "com.acme.**;java.base/*;!*"}: the first rule that matches a class
     * decides, and a class that no rule matches is allowed, so an allow-list ends with
     * {@code !*}. Its limits ({@code maxdepth=}, {@code maxrefs=}, {@code maxbytes=},
     * {@code maxarray=}) bound every value. The empty pattern (the default) filters nothing.
     *
     * <p>Allowed whatever the pattern says: the library's own serializable classes (channels,
     * hubs, {@link Where}) and what every lambda needs, {@code java.lang.invoke.SerializedLambda}
     * and {@code Object[]} for its captured arguments. Still checked: the class that defines a
     * lambda (so the pattern must allow the application's own classes) and each captured value.
     * A JVM-wide {@code jdk.serialFilter} applies as well: either one rejecting rejects.
     *
     * <p>On a rejection nothing of the value is used and nothing hangs: a task or body that its
     * worker refuses fails the future with a {@link WorkerException} (a remote
     * {@link ParallelException}); a result that the caller refuses fails the future with a
     * {@link ParallelException}; a message that a channel or hub refuses makes that
     * {@code read} (or the body's iteration of its events) throw a {@link ParallelException}.
     * Each message names what was rejected and the pattern.
     *
     * <p>The filter bounds what an authenticated peer can make a process deserialize; it does
     * not stand in for the handshake, which already keeps every unauthenticated byte away from
     * the deserializer, and an allowed class still runs its own {@code readObject}.
     *
     * @throws NullPointerException if pattern is null; a pattern that does not compile is an
     *     {@link IllegalArgumentException} from {@link #build()}
     */
    public Builder deserializationFilter(String pattern) {
      this.deserializationFilter = Objects.requireNonNull(pattern, "pattern");
      return this;
    }

    /**
     * How many worker JVMs to keep started and connected ahead of demand on each machine, this
     * one and every worker machine of the cluster (default 2; 0 starts each worker when it is
     * asked for). A spare still runs exactly one task, in a process of its own, and is replaced
     * once that task ends (or 50 ms after it began, whichever is first), so {@code run} does not
     * wait for a JVM to start. Each spare costs an idle JVM's memory on its machine.
     */
    public Builder spareWorkers(int spares) {
      this.spareWorkers = spares;
      return this;
    }

    /**
     * The bound of each channel's and each hub client's buffers, each way (default 16 MiB): a
     * {@link Channel#write} or {@link Hub#send} waits while more than this is written but not yet
     * taken by the socket, and a process stops reading a connection while more than this of its
     * messages wait unread, so that a slow reader slows its writer down instead of growing memory
     * (backpressure). A single message larger than the bound still goes, alone. At least 64 KiB.
     */
    public Builder maxBufferedBytes(long bytes) {
      this.maxBufferedBytes = bytes;
      return this;
    }

    /**
     * The seed's {@code buffer_age_limit}: data that waits unwritten for longer than this (its
     * reader has stopped reading) breaks that connection: the channel's reads then fail with
     * {@link ChannelClosedException} naming the limit, a writer waiting for room returns, and a
     * hub sees the client disconnect with that reason, so one stuck client cannot hold up its hub.
     * Default: no limit ({@code null}).
     */
    public Builder bufferAgeLimit(Duration limit) {
      this.bufferAgeLimit = limit;
      return this;
    }

    /**
     * How long a worker machine may be silent before it is declared lost (default 6 s; the agent
     * sends a heartbeat every second).
     */
    public Builder machineTimeout(Duration timeout) {
      this.machineTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * The address worker machines reach the master machine on. Not needed: by default each worker
     * machine uses the address its ssh session came from ({@code $SSH_CONNECTION}).
     */
    public Builder masterAddress(String address) {
      this.masterAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** How long {@code init} may take for each worker machine (default 60 s). */
    public Builder startupTimeout(Duration timeout) {
      this.startupTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** The machines of the runtime (default: this machine only). */
    public Builder cluster(Cluster cluster) {
      this.cluster = Objects.requireNonNull(cluster, "cluster");
      return this;
    }

    /**
     * The command that reaches a worker machine (default {@code ssh -o BatchMode=yes}); the
     * machine name and the remote command are appended to it.
     *
     * @throws IllegalArgumentException if argv is empty
     */
    public Builder sshCommand(String... argv) {
      if (argv.length == 0) {
        throw new IllegalArgumentException("sshCommand needs at least the program name");
      }
      this.sshCommand = List.of(argv);
      return this;
    }

    /** Extra JVM options for every worker process, e.g. {@code -Xmx2g}. */
    public Builder workerJvmOptions(String... options) {
      this.workerJvmOptions = List.of(options);
      return this;
    }

    /**
     * The {@code java} launcher for local workers (default: the one running this process): a path,
     * or a name looked up on the PATH. Worker machines use the {@code java} on the PATH of their
     * non-interactive ssh sessions. If it does not exist (checked by {@code Parallel.init}, before
     * anything starts), {@code init} fails with a {@link ParallelException} naming it.
     */
    public Builder javaCommand(String javaCommand) {
      this.javaCommand = Objects.requireNonNull(javaCommand, "javaCommand");
      return this;
    }

    /** The largest message accepted on any connection (default 64 MiB; at least 4 KiB). */
    public Builder maxMessageBytes(int maxMessageBytes) {
      this.maxMessageBytes = maxMessageBytes;
      return this;
    }

    /** How long {@code shutdown} waits for workers to end by themselves before killing them. */
    public Builder shutdownGracePeriod(Duration period) {
      this.shutdownGracePeriod = Objects.requireNonNull(period, "period");
      return this;
    }

    /**
     * Checks every value and makes the config.
     *
     * @throws IllegalArgumentException naming the first bad value
     */
    public Config build() {
      if (maxMessageBytes < 4096) {
        throw new IllegalArgumentException("maxMessageBytes must be at least 4096, was " + maxMessageBytes);
      }
      if (spareWorkers < 0 || spareWorkers > 256) {
        throw new IllegalArgumentException("spareWorkers must be between 0 and 256, was " + spareWorkers);
      }
      if (machineTimeout.compareTo(Duration.ofSeconds(2)) < 0) {
        throw new IllegalArgumentException("machineTimeout must be at least 2 s (heartbeats are 1 s apart), was "
            + machineTimeout);
      }
      if (startupTimeout.isNegative() || startupTimeout.isZero()) {
        throw new IllegalArgumentException("startupTimeout must be positive, was " + startupTimeout);
      }
      if (shutdownGracePeriod.isNegative()) {
        throw new IllegalArgumentException("shutdownGracePeriod is negative: " + shutdownGracePeriod);
      }
      for (String option : workerJvmOptions) {
        if (option == null || option.isBlank()) {
          throw new IllegalArgumentException("workerJvmOptions has a blank option: " + workerJvmOptions);
        }
      }
      if (maxBufferedBytes < 64 * 1024) {
        throw new IllegalArgumentException("maxBufferedBytes must be at least 65536, was " + maxBufferedBytes);
      }
      if (bufferAgeLimit != null && (bufferAgeLimit.isNegative() || bufferAgeLimit.isZero())) {
        throw new IllegalArgumentException("bufferAgeLimit must be positive (or null for none), was " + bufferAgeLimit);
      }
      checkFilter(deserializationFilter);
      return new Config(this);
    }

    private static void checkFilter(String pattern) {
      if (pattern.isEmpty()) {
        return;
      }
      ObjectInputFilter compiled;
      try {
        compiled = ObjectInputFilter.Config.createFilter(pattern);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("deserializationFilter is not a valid ObjectInputFilter pattern: \""
            + pattern + "\": " + e.getMessage(), e);
      }
      if (compiled == null) {
        throw new IllegalArgumentException("deserializationFilter has no rule: \"" + pattern + "\"");
      }
      try {
        new DataOutputStream(OutputStream.nullOutputStream()).writeUTF(pattern); // as workers get it
      } catch (IOException e) {
        throw new IllegalArgumentException("deserializationFilter is too long (" + pattern.length()
            + " characters; at most 65535 bytes of modified UTF-8)", e);
      }
    }
  }
}
