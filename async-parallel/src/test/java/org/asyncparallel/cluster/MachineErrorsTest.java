package org.asyncparallel.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.asyncparallel.Cluster;
import org.asyncparallel.Config;
import org.asyncparallel.Parallel;
import org.asyncparallel.ParallelException;
import org.asyncparallel.Where;
import org.asyncparallel.WorkerDiedException;
import org.asyncparallel.fixtures.NoFreePortMain;
import org.asyncparallel.fixtures.VanishingClassPathMain;
import org.asyncparallel.internal.launch.CodeCache;
import org.asyncparallel.testing.Fixture;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.TestNet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ordinary failures of a machine, each provoked for real: a code cache that is full, out of
 * inodes, read-only or blocked by a file; no java; no free port, on a worker machine and on the
 * master; a class path entry that vanishes while the main process runs. Each must be a
 * {@link ParallelException} whose message names the machine, what went wrong and what to do, with
 * no process left on any host and nothing half-copied in a code cache.
 */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MachineErrorsTest {
  private static final String CACHE = "/tmp/asyncparallel-cache-0";
  static TestNet net;

  @TempDir
  Path tmp;

  @BeforeAll
  static void up() throws Exception {
    net = TestNet.up(2);
  }

  @AfterAll
  static void down() throws Exception {
    net.close();
  }

  @AfterEach
  void nothingLeftOnTheHosts() throws Exception {
    assertThat(net.shutDownAndAwaitNoProcesses()).as("processes left on the hosts").isEmpty();
  }

  private static Config config(int host) {
    return Config.builder().cluster(new Cluster("master", List.of(net.host(host)))).sshCommand(net.sshCommand())
        .build();
  }

  private static String machine(int host) {
    return "machine '" + net.host(host) + "'";
  }

  /** Mounts a tmpfs over host i's code cache, in the host's own mount namespace (this machine's stays). */
  private static void mountOverCache(int host, String options) throws Exception {
    net.exec(host, "mkdir -p " + CACHE + " && mount -t tmpfs -o " + options + " aptcache " + CACHE);
  }

  private static void unmountCache(int host) throws Exception {
    net.exec(host, "umount " + CACHE);
  }

  /**
   * A worker machine's code cache keeps what a program uses and forgets what no program has used
   * for a week (each build ships new jars): a second program with the same class path renews its
   * jars' time, and a jar left from an old build is removed when the runtime starts there.
   */
  @Test
  void aWorkerMachinesCacheKeepsTheJarsInUseAndForgetsThoseUnusedForAWeek() throws Exception {
    net.exec(1, "rm -rf " + CACHE); // other tests' class paths leave their jars: start from this one's only
    Parallel.init(config(1));
    Parallel.shutdown().get(60, TimeUnit.SECONDS);
    Path cache = net.tmpOf(1).resolve("asyncparallel-cache-0");
    List<Path> jars;
    try (Stream<Path> files = Files.list(cache)) {
      jars = files.filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}\\.jar")).toList();
    }
    assertThat(jars).isNotEmpty();
    var weekAndMore = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(java.time.Duration.ofDays(10)));
    for (Path jar : jars) {
      Files.setLastModifiedTime(jar, weekAndMore);
    }
    Path oldBuild = Files.writeString(cache.resolve("c".repeat(64) + ".jar"), "an old build's jar");
    Files.setLastModifiedTime(oldBuild, weekAndMore);

    Parallel.init(config(1));
    try {
      assertThat(Parallel.run(Where.on(net.host(1)), () -> 6 * 7).get(60, TimeUnit.SECONDS)).isEqualTo(42);
    } finally {
      Parallel.shutdown().get(60, TimeUnit.SECONDS);
    }
    var recently = java.time.Instant.now().minus(java.time.Duration.ofHours(1));
    for (Path jar : jars) {
      assertThat(Files.getLastModifiedTime(jar).toInstant()).as(jar + " in use").isAfter(recently);
    }
    assertThat(oldBuild).doesNotExist();
  }

  /** The cache's entries on host i, as its ssh sessions see them. */
  private static List<String> cacheOn(int host) throws Exception {
    String listed = net.exec(host, "ls -A " + CACHE + " 2>/dev/null || true").trim();
    return listed.isEmpty() ? List.of() : List.of(listed.split("\n"));
  }

  @Test
  void aFullCodeCacheFailsInitNamingTheMachineAndNothingIsWrittenThere() throws Exception {
    // a full disk for real: 64 KiB of room in the cache, for megabytes of jars
    mountOverCache(1, "size=64k,mode=700");
    try {
      assertThatThrownBy(() -> Parallel.init(config(1))).isInstanceOf(ParallelException.class)
          .hasMessageContaining(machine(1)).hasMessageContaining("its code cache " + CACHE + " has no room")
          .hasMessageContaining("KiB free there").hasMessageContaining("Free space on that file system");
      assertThat(cacheOn(1)).as("nothing written into the cache").isEmpty();
    } finally {
      unmountCache(1);
    }
  }

  @Test
  void aCodeCacheOutOfInodesFailsMidUploadAndKeepsNoneOfIt() throws Exception {
    // room enough (the check of free space passes) but three inodes: the cache, the upload's
    // private directory and one jar; the second jar fails with ENOSPC in the middle of the upload
    mountOverCache(1, "size=512m,nr_inodes=3,mode=700");
    try {
      assertThatThrownBy(() -> Parallel.init(config(1))).isInstanceOf(ParallelException.class)
          .hasMessageContaining(machine(1)).hasMessageContaining("could not be written into its code cache " + CACHE)
          .hasMessageContaining("No space left on device").hasMessageContaining("df -i");
      assertThat(cacheOn(1)).as("the upload's directory and the jar it held are removed").isEmpty();
    } finally {
      unmountCache(1);
    }
  }

  @Test
  void aReadOnlyCodeCacheFailsInitNamingTheMachine() throws Exception {
    // root writes through any permission, not into a read-only file system: one is mounted there
    mountOverCache(2, "ro,size=64k,mode=700");
    try {
      assertThatThrownBy(() -> Parallel.init(config(2))).isInstanceOf(ParallelException.class)
          .hasMessageContaining(machine(2)).hasMessageContaining("its code cache " + CACHE)
          .hasMessageContaining("Read-only file system").hasMessageContaining("TMPDIR");
    } finally {
      unmountCache(2);
    }
  }

  @Test
  void aFileWhereTheCodeCacheBelongsFailsInitNamingTheMachine() throws Exception {
    Path cache = net.tmpOf(2).resolve("asyncparallel-cache-0");
    Path aside = net.tmpOf(2).resolve("cache-aside");
    if (Files.exists(cache)) {
      Files.move(cache, aside);
    }
    Files.writeString(cache, "not a directory");
    try {
      assertThatThrownBy(() -> Parallel.init(config(2))).isInstanceOf(ParallelException.class)
          .hasMessageContaining(machine(2)).hasMessageContaining("its code cache " + CACHE)
          .hasMessageContaining("File exists").hasMessageContaining("Remove what is in its way");
      assertThat(Files.readString(cache)).isEqualTo("not a directory");
    } finally {
      Files.delete(cache);
      if (Files.exists(aside)) {
        Files.move(aside, cache);
      }
    }
  }

  @Test
  void aMachineWithoutJavaFailsInitNamingItAndItsPath() throws Exception {
    // no JDK on host 2: an empty file system over /usr/lib/jvm, where every java of the hosts is
    // (the one on the PATH of their ssh sessions, and /usr/bin/java, a link into it)
    net.exec(2, "mount -t tmpfs -o ro,size=4k,mode=755 aptnojava /usr/lib/jvm");
    try {
      assertThatThrownBy(() -> Parallel.init(config(2))).isInstanceOf(ParallelException.class)
          .hasMessageContaining(machine(2)).hasMessageContaining("no java on the PATH of a non-interactive ssh session")
          .hasMessageContaining("PATH=/usr/lib/jvm/").hasMessageContaining("JDK 21 or newer")
          .hasMessageContaining("ssh " + net.host(2) + " java -version");
    } finally {
      net.exec(2, "umount /usr/lib/jvm");
    }
  }

  @Test
  void aMachineWithNoFreePortFailsItsRunsSayingSoAndWorksOnceOneIsFree() throws Exception {
    // no spare workers: each run starts its worker while the ports are taken (a spare connected
    // before would serve the first run)
    Parallel.init(Config.builder().cluster(new Cluster("master", List.of(net.host(2)))).sshCommand(net.sshCommand())
        .spareWorkers(0).build());
    String range = net.inNetworkOf(2, "cat", "/proc/sys/net/ipv4/ip_local_port_range").trim();
    net.inNetworkOf(2, "sysctl", "-qw", "net.ipv4.ip_local_port_range=40000 40001");
    try (Fixture holder = Fixture.start(List.of("ip", "netns", "exec", "aptns2"), null, NoFreePortMain.class, "hold")) {
      assertThat(holder.awaitLine("HELD", 60_000)).isEqualTo("2");
      Throwable refused = Parallel.run(Where.on(net.host(2)), () -> 1).handle((v, e) -> e).get(60, TimeUnit.SECONDS);
      assertThat(refused).isInstanceOf(WorkerDiedException.class)
          .hasMessageContaining("worker on machine " + net.host(2) + ": cannot connect to the main process")
          .hasMessageContaining("Cannot assign requested address")
          .hasMessageContaining("net.ipv4.ip_local_port_range = 40000-40001");
    } finally {
      net.inNetworkOf(2, "sysctl", "-qw", "net.ipv4.ip_local_port_range=" + range.replaceAll("\\s+", " "));
    }
    assertThat(Parallel.run(Where.on(net.host(2)), () -> 2).get(60, TimeUnit.SECONDS)).isEqualTo(2);
  }

  @Test
  void aMasterWithNoFreePortFailsInitSayingSoAndLeavesNothing() throws Exception {
    // the main process in a network namespace of its own, whose two automatic ports it takes itself
    List<String> ownNetwork = List.of("unshare", "--net", "sh", "-c",
        "ip link set lo up && sysctl -qw net.ipv4.ip_local_port_range='40000 40001' && exec \"$@\"", "sh");
    try (Fixture main = Fixture.start(ownNetwork, null, NoFreePortMain.class, "init", net.host(1))) {
      assertThat(main.awaitLine("FAILED", 60_000)).contains("machine 'master' cannot listen on TCP")
          .contains("Address already in use").contains("net.ipv4.ip_local_port_range = 40000-40001");
      assertThat(main.awaitExit(60)).isZero();
      assertThat(runtimeDirectoriesOf(main.pid())).as("its socket directory is removed").isEmpty();
    }
  }

  /** The runtime directories in /tmp whose owner is that process. */
  private static List<Path> runtimeDirectoriesOf(long pid) throws IOException {
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/tmp"), "asyncparallel-*")) {
      for (Path dir : dirs) {
        Path owner = dir.resolve("owner");
        if (Files.isRegularFile(owner) && Files.readString(owner).trim().equals(Long.toString(pid))) {
          found.add(dir);
        }
      }
    }
    return found;
  }

  /** A jar of its own content (so no machine has it yet), made for the test. */
  private Path uniqueJar() throws IOException {
    Path jar = tmp.resolve("vanishing.jar");
    try (var out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new ZipEntry("marker.txt"));
      out.write(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    return jar;
  }

  private static String sshConfig() {
    return TestNet.STATE.resolve("ssh_config").toString();
  }

  @Test
  void aJarDeletedWhileTheMainProcessRunsFailsInitNamingIt() throws Exception {
    // first on the class path: the class loader opened it looking for the main class, and the
    // main process still holds it open once it is deleted
    Path jar = uniqueJar();
    try (Fixture main = Fixture.start(List.of(), jar.toString(), VanishingClassPathMain.class,
        "once", jar.toString(), sshConfig(), net.host(1))) {
      main.awaitLine("READY", 60_000);
      Files.delete(jar);
      assertThat(main.awaitLine("FAILED", 60_000)).contains("machine 'master'")
          .contains("the class path entry " + jar + " is gone").contains("Put it back, or start the program again");
      assertThat(main.awaitExit(60)).isZero();
    }
  }

  @Test
  void aJarDeletedBetweenTwoInitsFailsCopyingToAMachineThatLacksItAndNothingLandsThere() throws Exception {
    Path jar = uniqueJar();
    String cached = CodeCache.sha256(Files.readAllBytes(jar)) + ".jar";
    try (Fixture main = Fixture.start(List.of(), jar.toString(), VanishingClassPathMain.class,
        "again", jar.toString(), sshConfig(), net.host(1), net.host(2))) {
      main.awaitLine("READY", 120_000);
      Files.delete(jar);
      assertThat(main.awaitLine("FAILED", 60_000)).contains(machine(2))
          .contains("the class path entry " + jar + " is gone");
      assertThat(main.awaitExit(60)).isZero();
    } finally {
      Files.deleteIfExists(CodeCache.directory().resolve(cached)); // this machine's copy, of no use to anyone
    }
    assertThat(cacheOn(1)).as("the first init copied it to host 1").contains(cached);
    assertThat(cacheOn(2)).doesNotContain(cached).noneMatch(f -> f.startsWith("incoming"));
  }

  @Test
  void aClassDirectoryRemovedWhileTheMainProcessRunsFailsALocalInitNamingIt() throws Exception {
    // the main class is loaded from a directory of its own, first on the class path, which a
    // "clean build" removes while the program runs
    Path classes = tmp.resolve("classes");
    String file = VanishingClassPathMain.class.getName().replace('.', '/') + ".class";
    Path copy = classes.resolve(file);
    Files.createDirectories(copy.getParent());
    try (var in = VanishingClassPathMain.class.getClassLoader().getResourceAsStream(file)) {
      Files.write(copy, in.readAllBytes());
    }
    try (Fixture main = Fixture.start(List.of(), classes.toString(), VanishingClassPathMain.class,
        "once", classes.toString(), sshConfig())) {
      main.awaitLine("READY", 60_000);
      try (Stream<Path> all = Files.walk(classes)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      assertThat(main.awaitLine("FAILED", 60_000)).contains("machine '" + Cluster.localOnly().masterMachine() + "'")
          .contains("the class path entry " + classes + " is gone");
      assertThat(main.awaitExit(60)).isZero();
    }
  }
}
