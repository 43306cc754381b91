package dev.ordinal.controllermanager;

/**
 * One reconciler of the controller-manager (StatefulSet, Endpoints, garbage collector, node
 * lifecycle, volumes, …). Each is an {@code @ApplicationScoped} bean; the manager discovers them
 * all and drives them only while this process holds the controller-manager Lease:
 * <ol>
 *   <li>{@link #register} — take informers from the context's factory and add event handlers
 *       (handlers only enqueue); no I/O, no blocking;</li>
 *   <li>the manager starts the informer factory and waits until every cache has synced;</li>
 *   <li>{@link #run} — start the workers; returns at once;</li>
 *   <li>{@link #stop} — on lost leadership or shutdown: stop workers and drop queued work. A
 *       later leadership term calls {@link #register} again with a fresh context.</li>
 * </ol>
 */
public interface Controller {
    /** Short name used in logs, metrics and the enable/disable configuration, e.g. {@code statefulset}. */
    String name();

    void register(ControllerContext context);

    void run();

    void stop();
}
