package org.asyncparallel.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.asyncparallel.internal.launch.CodeCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote shell scripts, run here with {@code sh} (as ssh would run them there) against a
 * private TMPDIR: the probe, the upload with its hash check, and the tar they rely on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RemoteScriptsTest {
  @TempDir
  Path tmp;

  private String run(String script, byte[] stdin) throws Exception {
    var builder = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true);
    builder.environment().put("TMPDIR", tmp.toString());
    Process p = builder.start();
    try (var in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin);
      }
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  private static byte[] tarOf(String name, byte[] content) throws Exception {
    var bytes = new ByteArrayOutputStream();
    var tar = new TarWriter(bytes);
    tar.add(name, content);
    tar.finish();
    return bytes.toByteArray();
  }

  private Path cache() throws Exception {
    try (Stream<Path> dirs = Files.list(tmp)) {
      return dirs.filter(d -> d.getFileName().toString().startsWith("asyncparallel-cache-")).findFirst().orElseThrow();
    }
  }

  @Test
  void anUploadWhoseHashesMatchLandsInTheCacheAndTheProbeSeesIt() throws Exception {
    byte[] content = "class files, say".getBytes(StandardCharsets.UTF_8);
    String name = CodeCache.sha256(content) + ".jar";
    byte[] tar = tarOf(name, content);
    assertThat(run(RemoteScripts.upload(tar.length), tar)).contains("OK");
    assertThat(Files.readAllBytes(cache().resolve(name))).isEqualTo(content);
    String probe = run(RemoteScripts.probe(), null);
    assertThat(probe).contains("HAVE " + name).containsPattern("JAVA \\d+");
    try (Stream<Path> left = Files.list(cache())) {
      assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly(name);
    }
  }

  @Test
  void aFileWhoseContentDoesNotMatchItsNameIsRefusedAndNothingLands() throws Exception {
    byte[] content = "tampered".getBytes(StandardCharsets.UTF_8);
    String name = CodeCache.sha256("original".getBytes(StandardCharsets.UTF_8)) + ".jar";
    byte[] tar = tarOf(name, content);
    String out = run(RemoteScripts.upload(tar.length), tar);
    assertThat(out).contains("MISMATCH " + name).contains(CodeCache.sha256(content));
    try (Stream<Path> left = Files.list(cache())) {
      assertThat(left.toList()).as("nothing kept, not even the incoming directory").isEmpty();
    }
  }

  @Test
  void anUploadLargerThanTheFreeSpaceIsRefusedBeforeAnythingIsWritten() throws Exception {
    byte[] content = "a jar".getBytes(StandardCharsets.UTF_8);
    byte[] tar = tarOf(CodeCache.sha256(content) + ".jar", content);
    String out = run(RemoteScripts.upload(1L << 60), tar); // an exbibyte: more than this disk has
    assertThat(out).containsPattern("FREE \\d+").contains("ERROR FULL " + ((1L << 50) + 1));
    assertThat(RemoteScripts.explain("m1", out)).contains("its code cache " + cache() + " has no room")
        .contains("KiB free there").contains("ssh m1 df -h " + cache());
    try (Stream<Path> left = Files.list(cache())) {
      assertThat(left.toList()).as("nothing written").isEmpty();
    }
  }

  @Test
  void aFileWhereTheCacheBelongsIsACacheErrorThatSaysWhatToDo() throws Exception {
    Path cache = tmp.resolve("asyncparallel-cache-" + Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    Files.writeString(cache, "in the way");
    String out = run(RemoteScripts.probe(), null);
    assertThat(out).contains("CACHE " + cache).contains("ERROR CACHE").doesNotContain("JAVA");
    assertThat(RemoteScripts.explain("m1", out)).contains("its code cache " + cache)
        .contains("File exists").contains("Remove what is in its way");
  }

  @Test
  void anOutputWithoutAnErrorLineIsNotExplained() {
    assertThat(RemoteScripts.explain("m1", "ssh: connect to host m1 port 22: Connection refused\n")).isNull();
  }

  @Test
  void theBundleNamesEveryPieceByItsHash() {
    ClassPathBundle bundle = ClassPathBundle.ofThisProcess();
    assertThat(bundle.pieces()).isNotEmpty();
    for (ClassPathBundle.Piece piece : bundle.pieces().subList(0, Math.min(5, bundle.pieces().size()))) {
      assertThat(piece.name()).isEqualTo(CodeCache.sha256(piece.bytes()) + ".jar");
    }
    List<String> origins = bundle.pieces().stream().map(ClassPathBundle.Piece::origin).toList();
    assertThat(origins).anyMatch(o -> o.endsWith("test-classes")).anyMatch(o -> o.endsWith("classes"));
  }
}
