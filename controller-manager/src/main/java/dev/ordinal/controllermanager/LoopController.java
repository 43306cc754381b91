package dev.ordinal.controllermanager;

/**
 * The skeleton of a controller that works through one {@link ReconcileLoop}: each leadership term's
 * state (the loop, listers, clients) is one {@link Term} object, built by the subclass's
 * {@link #register} and replaced wholesale by the next term's; {@link #run} starts that term's loop
 * and {@link #stop} stops it. Subclasses build the loop with {@link #newLoop} and read the term
 * with {@link #term()} in {@link #sync}.
 *
 * @param <K> the queue key
 * @param <T> what one term holds
 */
public abstract class LoopController<K, T extends LoopController.Term<K>> implements Controller {
    /** What one leadership term holds: at least its loop. */
    public interface Term<K> {
        ReconcileLoop<K> loop();
    }

    private final String name;
    private final ControllerMetrics metrics;
    private volatile T term;

    /** For CDI's client proxies of the {@code @ApplicationScoped} subclasses only: a proxy delegates every call. */
    protected LoopController() {
        this(null, null);
    }

    protected LoopController(String name, ControllerMetrics metrics) {
        this.name = name;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return name;
    }

    /** A loop named after this controller, with {@code workers} workers running {@link #sync}. */
    protected ReconcileLoop<K> newLoop(ControllerContext context, int workers) {
        return new ReconcileLoop<>(name, context.clock(), workers, metrics, this::sync);
    }

    /** Makes {@code t} the current term; call from {@link #register} before adding event handlers. */
    protected void begin(T t) {
        term = t;
    }

    /** The current term (null before the first {@link #register}). */
    protected T term() {
        return term;
    }

    /** Reconciles one key with the current term's caches; a throw retries it with backoff. */
    protected abstract void sync(K key) throws Exception;

    @Override
    public void run() {
        term.loop().start();
    }

    @Override
    public void stop() {
        T t = term;
        if (t != null) {
            t.loop().stop();
        }
    }
}
