package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A client id is a value: equal ids name the same client, in maps, sets and sorted sets. */
class ClientIdTest {
  @Test
  void idsWithTheSameNumberAreEqualAndFindEachOthersEntries() {
    Map<ClientId, String> names = new HashMap<>();
    names.put(new ClientId(7), "seven");
    assertThat(names.get(new ClientId(7))).isEqualTo("seven");
    assertThat(names.get(new ClientId(8))).isNull();
    assertThat(new ClientId(7)).isEqualTo(new ClientId(7)).hasSameHashCodeAs(new ClientId(7))
        .isNotEqualTo(new ClientId(8)).isNotEqualTo("client-7").isNotEqualTo(null);
    assertThat(new TreeSet<>(java.util.List.of(new ClientId(3), new ClientId(1), new ClientId(3))))
        .containsExactly(new ClientId(1), new ClientId(3));
    assertThat(new ClientId(7)).hasToString("client-7");
  }
}
