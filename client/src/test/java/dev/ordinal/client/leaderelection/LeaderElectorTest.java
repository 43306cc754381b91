package dev.ordinal.client.leaderelection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Lease;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.client.testing.FakeClock;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two candidates on one Lease in a FakeApi, both on one fake clock, doing their work on the thread
 * that advances it, so every step is deterministic.
 */
class LeaderElectorTest {
    static final Duration RETRY = Duration.ofSeconds(2);

    FakeClock clock = new FakeClock();
    FakeApi fake;
    AtomicBoolean aCutOff = new AtomicBoolean();
    Candidate a;
    Candidate b;

    /** One candidate and what it was told. */
    final class Candidate implements LeaderElector.Callbacks {
        final List<String> told = new CopyOnWriteArrayList<>();
        final LeaderElector elector;

        Candidate(String identity, OrdinalClient client) {
            elector = new LeaderElector(new LeaseLock(client, "kube-system", "controller-manager", identity),
                    LeaderElector.Config.defaults(), this, clock, Runnable::run);
        }

        @Override
        public void onStartedLeading() {
            told.add("started");
        }

        @Override
        public void onStoppedLeading() {
            told.add("stopped");
        }

        @Override
        public void onNewLeader(String identity) {
            told.add("leader " + identity);
        }
    }

    @BeforeEach
    void start() {
        fake = FakeApi.start(clock);
        // a's calls fail while aCutOff is set: a network partition between a and the api-server
        Channel aChannel = ClientInterceptors.intercept(fake.channel(), new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return aCutOff.get() ? new Unreachable<>() : next.newCall(method, options);
            }
        });
        a = new Candidate("a", OrdinalClient.of(aChannel));
        b = new Candidate("b", fake.newClient());
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void exactlyOneLeadsAndTheOtherObserves() {
        a.elector.start();
        b.elector.start();

        for (int i = 0; i < 20; i++) {
            assertThat(a.elector.isLeader()).isTrue();
            assertThat(b.elector.isLeader()).isFalse();
            clock.advance(RETRY);
        }
        assertThat(a.told).containsExactly("leader a", "started");
        assertThat(b.told).containsExactly("leader a");
        assertThat(b.elector.leader()).isEqualTo("a");
        Lease lease = fake.<Lease>get(Kind.LEASE, "kube-system", "controller-manager").orElseThrow();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("a");
        assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(15);
        assertThat(lease.getSpec().getRenewTime().getSeconds()).as("renewed at the last try").isEqualTo(clock.now().getEpochSecond());
    }

    @Test
    void theOtherTakesOverAtItsNextTryAfterARelease() {
        a.elector.start();
        b.elector.start();
        clock.advance(RETRY);

        a.elector.stop();
        assertThat(a.told).endsWith("stopped");
        assertThat(fake.<Lease>get(Kind.LEASE, "kube-system", "controller-manager").orElseThrow()
                .getSpec().getHolderIdentity()).isEmpty();

        clock.advance(RETRY);
        assertThat(b.elector.isLeader()).isTrue();
        assertThat(b.told).containsExactly("leader a", "leader b", "started");
        Lease lease = fake.<Lease>get(Kind.LEASE, "kube-system", "controller-manager").orElseThrow();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("b");
        assertThat(lease.getSpec().getLeaseTransitions()).isEqualTo(1);
    }

    @Test
    void whenTheLeaderStopsRenewingItStepsDownBeforeTheOtherTakesOver() {
        a.elector.start();
        b.elector.start();
        clock.advance(RETRY.multipliedBy(2));
        aCutOff.set(true);

        Duration elapsed = Duration.ZERO;
        Duration aSteppedDown = null;
        Duration bTookOver = null;
        while (bTookOver == null && elapsed.compareTo(Duration.ofMinutes(1)) < 0) {
            clock.advance(RETRY);
            elapsed = elapsed.plus(RETRY);
            assertThat(a.elector.isLeader() && b.elector.isLeader()).as("two leaders at +%s", elapsed).isFalse();
            if (aSteppedDown == null && !a.elector.isLeader()) {
                aSteppedDown = elapsed;
            }
            if (b.elector.isLeader()) {
                bTookOver = elapsed;
            }
        }

        assertThat(aSteppedDown).as("a gives up after renewDeadline (10 s)").isEqualTo(Duration.ofSeconds(10));
        assertThat(bTookOver).as("b takes over once the lease is 15 s stale").isEqualTo(Duration.ofSeconds(16));
        assertThat(a.told).containsExactly("leader a", "started", "stopped");

        aCutOff.set(false); // a comes back: it sees b and stays a candidate
        clock.advance(RETRY.multipliedBy(5));
        assertThat(a.elector.isLeader()).isFalse();
        assertThat(b.elector.isLeader()).isTrue();
        assertThat(a.told).containsExactly("leader a", "started", "stopped", "leader b");
    }

    @Test
    void aCandidateThatLosesTheCreateRaceFollows() {
        b.elector.start();
        a.elector.start();
        clock.advance(RETRY.multipliedBy(3));
        assertThat(b.elector.isLeader()).isTrue();
        assertThat(a.elector.isLeader()).isFalse();
        assertThat(fake.calls(FakeApi.Verb.CREATE, Kind.LEASE)).isEqualTo(1);
    }

    /** A call to an unreachable server. */
    private static final class Unreachable<Q, R> extends ClientCall<Q, R> {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
            listener.onClose(Status.UNAVAILABLE.withDescription("partitioned"), new Metadata());
        }

        @Override
        public void request(int numMessages) {
        }

        @Override
        public void cancel(String message, Throwable cause) {
        }

        @Override
        public void halfClose() {
        }

        @Override
        public void sendMessage(Q message) {
        }
    }
}
