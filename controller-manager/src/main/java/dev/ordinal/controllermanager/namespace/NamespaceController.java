package dev.ordinal.controllermanager.namespace;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.NamespaceSpec;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.informer.Lister;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.client.time.Clock;
import dev.ordinal.controllermanager.ControllerContext;
import dev.ordinal.controllermanager.ControllerMetrics;
import dev.ordinal.controllermanager.LoopController;
import dev.ordinal.controllermanager.ReconcileLoop;
import dev.ordinal.controllermanager.namespace.NamespaceTermination.Content;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Empties namespaces being deleted (Kubernetes' namespace controller): every object in them is
 * deleted, the status says what remains, and the {@code kubernetes} finalizer is removed once
 * nothing does. What remains is read live from the api-server (namespace deletion is rare, and a
 * live list cannot miss a kind). Queue keys are namespace names.
 */
@ApplicationScoped
public class NamespaceController extends LoopController<String, NamespaceController.Term> {
    public static final String NAME = "namespace";
    private static final Logger LOG = Logger.getLogger(NamespaceController.class);
    /** How soon a namespace whose content is still going away is looked at again. */
    static final Duration RECHECK = Duration.ofSeconds(1);

    record Term(ReconcileLoop<String> loop, Lister<Namespace> namespaces, OrdinalClient client, Clock clock) implements LoopController.Term<String> {
    }

    @Inject
    public NamespaceController(ControllerMetrics metrics) {
        super(NAME, metrics);
    }

    @Override
    public void register(ControllerContext context) {
        SharedIndexInformer<Namespace> namespaces = context.informers().informerFor(Namespace.class);
        SharedIndexInformer<Pod> pods = context.informers().informerFor(Pod.class);
        ReconcileLoop<String> loop = newLoop(context, 1);
        Term t = new Term(loop, namespaces.lister(), context.client(), context.clock());
        begin(t);
        namespaces.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Namespace ns) {
                if (ns.getMetadata().hasDeletionTimestamp()) {
                    loop.enqueue(ns.getMetadata().getName());
                }
            }

            @Override
            public void onUpdate(Namespace old, Namespace ns) {
                onAdd(ns);
            }
        });
        // The last pods to go are usually the ones waiting for their node agent: look again when one does.
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onDelete(Pod pod) {
                String ns = pod.getMetadata().getNamespace();
                t.namespaces().get(ObjectKey.cluster(ns))
                        .filter(n -> n.getMetadata().hasDeletionTimestamp())
                        .ifPresent(n -> loop.enqueue(ns));
            }
        });
    }

    @Override
    protected void sync(String name) {
        Term t = term();
        Optional<Namespace> cached = t.namespaces().get(ObjectKey.cluster(name));
        if (cached.isEmpty() || !cached.get().getMetadata().hasDeletionTimestamp()) {
            return;
        }
        Namespace ns = cached.get();
        if (!ns.getSpec().getFinalizersList().contains(NamespaceTermination.FINALIZER)) {
            return; // ours is done; other finalizers belong to others
        }
        List<Content> remaining = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            if (kind.namespaced()) {
                for (Message m : t.client().resources(kind).listAll(ListOptions.inNamespace(name)).items()) {
                    remaining.add(new Content(kind, ApiObjects.meta(m)));
                }
            }
        }
        NamespaceTermination.Plan plan = NamespaceTermination.plan(ns, remaining, t.clock().now());
        if (!plan.status().equals(ns.getStatus())) {
            try {
                t.client().resources(Namespace.class).modifyStatus("", name, n -> n.toBuilder().setStatus(plan.status()).build());
            } catch (ApiException e) {
                if (e.code() == Status.Code.NOT_FOUND) {
                    return;
                }
                throw e;
            }
        }
        for (Content c : plan.toDelete()) {
            try {
                t.client().resources(c.kind()).delete(c.meta().getNamespace(), c.meta().getName(),
                        DeleteOptions.defaults().withPreconditionUid(c.meta().getUid()).withPropagationPolicy("Background"));
            } catch (ApiException e) {
                if (e.code() != Status.Code.NOT_FOUND && !OrdinalClient.isConflict(e)) {
                    throw e;
                }
            }
        }
        if (!plan.toDelete().isEmpty()) {
            LOG.infof("namespace %s is being deleted: deleting %d object(s) in it", name, plan.toDelete().size());
        }
        if (plan.removeFinalizer()) {
            try {
                t.client().resources(Namespace.class).modify("", name, n -> {
                    List<String> finalizers = new ArrayList<>(n.getSpec().getFinalizersList());
                    finalizers.remove(NamespaceTermination.FINALIZER);
                    return n.toBuilder().setSpec(NamespaceSpec.newBuilder(n.getSpec()).clearFinalizers().addAllFinalizers(finalizers)).build();
                });
                LOG.infof("namespace %s is empty: removed its finalizer %s", name, NamespaceTermination.FINALIZER);
            } catch (ApiException e) {
                if (e.code() != Status.Code.NOT_FOUND) {
                    throw e;
                }
            }
        } else {
            t.loop().enqueueAfter(name, RECHECK);
        }
    }
}
