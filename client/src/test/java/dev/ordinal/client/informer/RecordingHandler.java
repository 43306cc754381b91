package dev.ordinal.client.informer;

import dev.ordinal.api.v1.Pod;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records handler calls as "add a", "update a", "delete b" (with the dispatcher thread's name). */
final class RecordingHandler implements ResourceEventHandler<Pod> {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void onAdd(Pod object) {
        record("add " + object.getMetadata().getName());
    }

    @Override
    public void onUpdate(Pod old, Pod current) {
        String kind = old == current ? "resync " : "update ";
        record(kind + current.getMetadata().getName());
    }

    @Override
    public void onDelete(Pod lastKnown) {
        record("delete " + lastKnown.getMetadata().getName());
    }

    private void record(String call) {
        calls.add(call);
        threads.add(Thread.currentThread().getName());
    }
}
