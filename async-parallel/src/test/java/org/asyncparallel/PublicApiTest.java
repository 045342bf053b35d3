package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Pins the public API of {@code org.asyncparallel} (the contract of API.md): any change to a
 * public signature fails here until {@code public-api.txt} is updated on purpose.
 */
class PublicApiTest {
  static final List<Class<?>> API = List.of(Parallel.class, Task.class, Body.class, Spawned.class, Where.class,
      Where.Local.class, Where.On.class, Where.ChosenBy.class, Where.Random.class, Where.RoundRobin.class,
      Where.RandomIn.class, SerializableSupplier.class, SerializableRunnable.class, Cluster.class, Config.class,
      Config.Builder.class, Hub.class, HubEvent.class, HubEvent.Connect.class, HubEvent.Disconnect.class,
      HubEvent.Data.class, ClientId.class, Channel.class, Packed.class, Inbox.class, ParallelException.class,
      WorkerException.class, WorkerDiedException.class, ChannelClosedException.class,
      UnknownMachineException.class, Pool.class, PoolConfig.class, PoolConfig.Builder.class, Fn.class,
      Reducer.class, Indexed.class, Progress.class);

  static List<String> signatures() {
    List<String> lines = new ArrayList<>();
    for (Class<?> type : API) {
      lines.add(Modifier.toString(type.getModifiers() & ~Modifier.STATIC) + " " + type.getTypeName());
      List<String> memberLines = new ArrayList<>();
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isPublic(field.getModifiers())) {
          String statik = Modifier.isStatic(field.getModifiers()) ? "static " : "";
          memberLines.add("  " + statik + "field " + field.getGenericType().getTypeName() + " " + field.getName());
        }
      }
      List<Executable> members = new ArrayList<>(Arrays.asList(type.getDeclaredConstructors()));
      members.addAll(Arrays.asList(type.getDeclaredMethods()));
      for (Executable member : members) {
        if (!Modifier.isPublic(member.getModifiers()) || member.isSynthetic()) {
          continue;
        }
        String returns = member instanceof Method m ? m.getGenericReturnType().getTypeName() + " " : "";
        String name = member instanceof Constructor<?> ? "<init>" : member.getName();
        String params = Arrays.stream(member.getGenericParameterTypes()).map(t -> t.getTypeName())
            .collect(Collectors.joining(", "));
        String statik = Modifier.isStatic(member.getModifiers()) ? "static " : "";
        memberLines.add("  " + statik + returns + name + "(" + params + ")");
      }
      memberLines.stream().sorted().forEach(lines::add);
    }
    return lines;
  }

  /** Every public class of the package, nested ones too, is in {@link #API}: none escapes the pin. */
  @Test
  void everyPublicTypeOfThePackageIsPinned() throws Exception {
    Path classes = Path.of(Parallel.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("org/asyncparallel");
    List<String> missing = new ArrayList<>();
    try (var files = Files.list(classes)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name = file.getFileName().toString().replace(".class", "");
        if (name.equals("package-info")) {
          continue;
        }
        Class<?> type = Class.forName("org.asyncparallel." + name, false, getClass().getClassLoader());
        if (Modifier.isPublic(type.getModifiers()) && !type.isSynthetic() && !type.isAnonymousClass()
            && !API.contains(type)) {
          missing.add(type.getName());
        }
      }
    }
    assertThat(missing).as("public types not pinned in PublicApiTest.API").isEmpty();
  }

  @Test
  void thePublicApiIsExactlyThePinnedOne() throws IOException {
    String pinned;
    try (var in = PublicApiTest.class.getResourceAsStream("/public-api.txt")) {
      pinned = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String actual = String.join("\n", signatures()) + "\n";
    String rewrite = System.getProperty("publicApi.rewrite");
    if (rewrite != null) { // -DpublicApi.rewrite=<path of public-api.txt>: after a deliberate change
      Files.writeString(Path.of(rewrite), actual);
      return;
    }
    assertThat(actual).isEqualTo(pinned);
  }
}
