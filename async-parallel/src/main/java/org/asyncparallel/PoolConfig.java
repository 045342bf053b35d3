package org.asyncparallel;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * How {@link Parallel#pool(PoolConfig)} makes a pool. Immutable; made by {@link #builder()}, whose
 * {@link Builder#build()} checks every value at once.
 *
 * <pre>{@code
 * Pool pool = Parallel.pool(PoolConfig.builder()
 *     .machines("host0", "host1")            // cluster machines (default: this machine)
 *     .workersPerMachine(4)
 *     .initializer(() -> Model.load())       // once in each worker, before its first item
 *     .build());
 * }</pre>
 */
public final class PoolConfig {
  /** The most workers a pool may have per machine. */
  public static final int MAX_WORKERS_PER_MACHINE = 1024;

  private final int workersPerMachine;
  private final List<String> machines;
  private final SerializableRunnable initializer;
  private final int chunkSize;
  private final int maxInFlight;
  private final boolean progressBar;

  private PoolConfig(Builder b) {
    this.workersPerMachine = b.workersPerMachine;
    this.machines = b.machines;
    this.initializer = b.initializer;
    this.chunkSize = b.chunkSize;
    this.maxInFlight = b.maxInFlight;
    this.progressBar = b.progressBar;
  }

  /** A builder with every default: this machine, one worker per processor, automatic chunks. */
  public static Builder builder() {
    return new Builder();
  }

  /** Workers started on each machine. */
  public int workersPerMachine() {
    return workersPerMachine;
  }

  /** The machines, by their names in the cluster; empty means this machine only. */
  public List<String> machines() {
    return machines;
  }

  /** Run once in each worker before its first item; {@code null} for none. */
  public SerializableRunnable initializer() {
    return initializer;
  }

  /** Items per chunk; {@code 0} means chosen automatically. */
  public int chunkSize() {
    return chunkSize;
  }

  /** Chunks of one call out at once; {@code 0} means three per worker. */
  public int maxInFlight() {
    return maxInFlight;
  }

  /** Whether a long map draws a progress bar on standard error when it is a terminal. */
  public boolean progressBar() {
    return progressBar;
  }

  @Override
  public String toString() {
    return "PoolConfig[workersPerMachine=" + workersPerMachine + ", machines=" + machines
        + ", initializer=" + (initializer != null) + ", chunkSize=" + (chunkSize == 0 ? "auto" : chunkSize)
        + ", maxInFlight=" + (maxInFlight == 0 ? "auto" : maxInFlight) + ", progressBar=" + progressBar + "]";
  }

  /** Builds a {@link PoolConfig}. Not thread-safe; each setter returns this builder. */
  public static final class Builder {
    private int workersPerMachine = Runtime.getRuntime().availableProcessors();
    private List<String> machines = List.of();
    private SerializableRunnable initializer;
    private int chunkSize;
    private int maxInFlight;
    private boolean progressBar = true;

    private Builder() {}

    /**
     * Workers to start on each machine (default: the number of processors of this machine), from 1
     * to {@link #MAX_WORKERS_PER_MACHINE}.
     */
    public Builder workersPerMachine(int workers) {
      this.workersPerMachine = workers;
      return this;
    }

    /**
     * The machines to start workers on, by their names in the runtime's {@link Cluster} (the master
     * machine's name included, if it should take part). Default, or with no names: this machine
     * only. A name not in the cluster makes {@code Parallel.pool} throw
     * {@link UnknownMachineException} before any worker starts.
     *
     * @throws NullPointerException if a name is null
     */
    public Builder machines(String... machines) {
      this.machines = List.of(machines);
      return this;
    }

    /**
     * Run once in each worker, before its first item or task: per-worker state, such as loading a
     * model or opening a file, kept in static fields. A replacement worker runs it again. If it
     * throws, the pool is broken (see {@link Pool}). {@code null} for none (the default).
     */
    public Builder initializer(SerializableRunnable initializer) {
      this.initializer = initializer;
      return this;
    }

    /**
     * Items per chunk, for every map of the pool (at least 1). By default the size is chosen
     * automatically: it starts at one item and grows until a chunk takes a few milliseconds of a
     * worker's time, at most a quarter of each worker's share of an input of known size
     * (a {@link java.util.Collection}) and about a megabyte serialized.
     */
    public Builder chunkSize(int items) {
      this.chunkSize = items;
      return this;
    }

    /**
     * The most chunks of one call that may be out at once: sent and not answered, or answered and
     * waiting in {@link Pool#mapUnordered}'s inbox (at least 1; default three per live worker).
     * With the chunk size, this bounds the memory a call needs, whatever the input's length.
     */
    public Builder maxInFlight(int chunks) {
      this.maxInFlight = chunks;
      return this;
    }

    /**
     * Whether a map that runs longer than a second draws a progress bar on standard error, when
     * standard error is a terminal (default true; never when it is not a terminal).
     */
    public Builder progressBar(boolean show) {
      this.progressBar = show;
      return this;
    }

    /**
     * Checks every value and makes the config.
     *
     * @throws IllegalArgumentException naming the first bad value
     */
    public PoolConfig build() {
      if (workersPerMachine < 1 || workersPerMachine > MAX_WORKERS_PER_MACHINE) {
        throw new IllegalArgumentException("workersPerMachine must be between 1 and " + MAX_WORKERS_PER_MACHINE
            + ", was " + workersPerMachine);
      }
      if (chunkSize < 0) {
        throw new IllegalArgumentException("chunkSize must be at least 1 (or 0 for automatic), was " + chunkSize);
      }
      if (maxInFlight < 0) {
        throw new IllegalArgumentException("maxInFlight must be at least 1 (or 0 for automatic), was " + maxInFlight);
      }
      var seen = new HashSet<String>();
      for (String machine : machines) {
        Objects.requireNonNull(machine, "a machine name is null");
        if (machine.isBlank()) {
          throw new IllegalArgumentException("a machine name is blank: " + machines);
        }
        if (!seen.add(machine)) {
          throw new IllegalArgumentException("machine '" + machine + "' appears twice in " + machines);
        }
      }
      return new PoolConfig(this);
    }
  }
}
