package dev.ordinal.controllermanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class EnabledControllersTest {
    private static final List<String> KNOWN = List.of("endpoints", "garbage-collector", "namespace", "statefulset");

    @Test
    void starEnablesEverything() {
        assertThat(EnabledControllers.select(List.of("*"), KNOWN)).isEqualTo(KNOWN);
    }

    @Test
    void minusTurnsOneOffWhateverTheOrder() {
        assertThat(EnabledControllers.select(List.of("-garbage-collector", "*"), KNOWN))
                .containsExactly("endpoints", "namespace", "statefulset");
    }

    @Test
    void namesAloneEnableOnlyThose() {
        assertThat(EnabledControllers.select(List.of("statefulset", "endpoints"), KNOWN))
                .containsExactly("endpoints", "statefulset");
    }

    @Test
    void unknownNameIsRefusedNamingTheKeyAndTheChoices() {
        assertThatThrownBy(() -> EnabledControllers.select(List.of("*", "-replicaset"), KNOWN))
                .hasMessageContaining("ordinal.controller-manager.controllers")
                .hasMessageContaining("\"replicaset\"")
                .hasMessageContaining("endpoints, garbage-collector, namespace, statefulset");
    }
}
