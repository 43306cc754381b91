package dev.ordinal.controllermanager.statefulset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.client.time.Clock;
import dev.ordinal.controllermanager.statefulset.SyncPlan.CreateRevision;
import dev.ordinal.controllermanager.statefulset.SyncPlan.Stage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the executor does with a write the cache has not caught up with: a revision that already exists. */
class SyncExecutorTest {
    private FakeApi api;
    private OrdinalClient client;
    private SyncExecutor executor;
    private StatefulSet set;

    @BeforeEach
    void setUp() throws Exception {
        api = FakeApi.start();
        client = api.newClient();
        executor = new SyncExecutor(client, (involved, type, reason, message) -> { }, new Expectations(Clock.system(), Duration.ofMinutes(5)));
        set = client.resources(StatefulSet.class).create(SimCluster.set(SimCluster.spec(1)));
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        api.close();
    }

    private static SyncPlan creating(ControllerRevision revision) {
        return new SyncPlan(List.of(new Stage("revisions", List.of(List.of(new CreateRevision(revision))), false)),
                null, false, List.of(), List.of(), Optional.empty());
    }

    @Test
    void aRevisionAlreadyCreatedWithTheSameDataCountsAsCreated() {
        ControllerRevision revision = Revisions.newRevision(set, 1, 0);
        client.resources(ControllerRevision.class).create(revision); // the earlier sync's create, not yet in the cache

        executor.execute(set, creating(revision));

        assertThat(api.<ControllerRevision>list(Kind.CONTROLLER_REVISION)).hasSize(1);
    }

    @Test
    void aDifferentRevisionUnderTheSameNameIsReportedAsACollision() {
        ControllerRevision revision = Revisions.newRevision(set, 1, 0);
        StatefulSet other = set.toBuilder().setSpec(set.getSpec().toBuilder().setTemplate(SimCluster.template("nginx:2"))).build();
        ControllerRevision clash = Revisions.newRevision(other, 1, 0).toBuilder()
                .setMetadata(revision.getMetadata()).build();
        client.resources(ControllerRevision.class).create(clash);

        assertThatThrownBy(() -> executor.execute(set, creating(revision)))
                .isInstanceOf(SyncExecutor.SyncFailedException.class)
                .hasMessageContaining(revision.getMetadata().getName())
                .hasMessageContaining("hash collision");
    }
}
