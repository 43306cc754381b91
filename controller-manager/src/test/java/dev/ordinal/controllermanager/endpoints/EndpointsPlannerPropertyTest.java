package dev.ordinal.controllermanager.endpoints;

import static dev.ordinal.controllermanager.TestObjects.headlessService;
import static dev.ordinal.controllermanager.TestObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.EndpointSubset;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.Service;
import dev.ordinal.client.api.Times;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** For any mix of pods: each eligible pod is listed exactly once, in the right list, and a second plan writes nothing. */
class EndpointsPlannerPropertyTest {
    private record PodState(boolean selected, boolean hasIp, String phase, boolean ready, boolean terminating) {
    }

    @Provide
    Arbitrary<List<PodState>> pods() {
        Arbitrary<PodState> one = Combinators.combine(Arbitraries.of(true, true, false), Arbitraries.of(true, true, false),
                Arbitraries.of("Pending", "Running", "Running", "Succeeded", "Failed"), Arbitraries.of(true, false),
                Arbitraries.of(false, false, true)).as(PodState::new);
        return one.list().ofMaxSize(12);
    }

    private static Pod build(int i, PodState s) {
        Pod p = pod("default", "web-" + i, s.selected() ? Map.of("app", "web") : Map.of("app", "db"), "nginx");
        PodStatus.Builder status = PodStatus.newBuilder().setPhase(s.phase())
                .addConditions(PodCondition.newBuilder().setType("Ready").setStatus(s.ready() ? "True" : "False"));
        if (s.hasIp()) {
            status.setPodIp("127.64.0." + (10 + i));
        }
        Pod.Builder b = p.toBuilder().setStatus(status);
        b.getMetadataBuilder().setUid("uid-" + i);
        if (s.terminating()) {
            b.getMetadataBuilder().setDeletionTimestamp(Times.timestamp(Instant.parse("2026-01-01T00:00:00Z")));
        }
        return b.build();
    }

    @Property
    void everyEligiblePodListedOnceInTheRightListAndTheResultIsStable(@ForAll("pods") List<PodState> states,
            @ForAll boolean publishNotReady) {
        Service base = headlessService("default", "nginx", Map.of("app", "web"));
        Service svc = base.toBuilder().setSpec(base.getSpec().toBuilder().setPublishNotReadyAddresses(publishNotReady)).build();
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < states.size(); i++) {
            pods.add(build(i, states.get(i)));
        }
        Collections.shuffle(pods);

        List<EndpointSubset> subsets = EndpointsPlanner.subsets(svc, pods);
        List<String> ready = new ArrayList<>();
        List<String> notReady = new ArrayList<>();
        for (EndpointSubset s : subsets) {
            s.getAddressesList().stream().map(EndpointAddress::getHostname).forEach(ready::add);
            s.getNotReadyAddressesList().stream().map(EndpointAddress::getHostname).forEach(notReady::add);
        }
        for (int i = 0; i < states.size(); i++) {
            PodState s = states.get(i);
            String name = "web-" + i;
            boolean eligible = s.selected() && s.hasIp() && !s.phase().equals("Succeeded") && !s.phase().equals("Failed")
                    && (publishNotReady || !s.terminating());
            boolean listedReady = eligible && (publishNotReady || s.ready());
            assertThat(Collections.frequency(ready, name)).as("%s %s in addresses", name, s).isEqualTo(listedReady ? 1 : 0);
            assertThat(Collections.frequency(notReady, name)).as("%s %s in notReadyAddresses", name, s)
                    .isEqualTo(eligible && !listedReady ? 1 : 0);
        }

        EndpointsPlanner.Action first = EndpointsPlanner.plan(Optional.of(svc), Optional.empty(), pods);
        Endpoints stored = ((EndpointsPlanner.Create) first).endpoints();
        Collections.shuffle(pods);
        assertThat(EndpointsPlanner.plan(Optional.of(svc), Optional.of(stored), pods)).isInstanceOf(EndpointsPlanner.None.class);
    }
}
