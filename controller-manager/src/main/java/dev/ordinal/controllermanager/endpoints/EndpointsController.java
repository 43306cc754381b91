package dev.ordinal.controllermanager.endpoints;

import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Service;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.informer.Lister;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.controllermanager.ControllerContext;
import dev.ordinal.controllermanager.ControllerMetrics;
import dev.ordinal.controllermanager.LoopController;
import dev.ordinal.controllermanager.ReconcileLoop;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Keeps one Endpoints object per Service with a selector, listing the selected pods' addresses
 * (Kubernetes' endpoints controller). Queue keys are Service names; pod changes enqueue the
 * Services selecting the pod before and after. A converged cluster syncs with zero writes.
 */
@ApplicationScoped
public class EndpointsController extends LoopController<ObjectKey, EndpointsController.Term> {
    public static final String NAME = "endpoints";
    private static final Logger LOG = Logger.getLogger(EndpointsController.class);
    private static final int WORKERS = 2;

    record Term(ReconcileLoop<ObjectKey> loop, Lister<Service> services, Lister<Pod> pods,
            Lister<Endpoints> endpoints, Resources<Endpoints> api) implements LoopController.Term<ObjectKey> {
    }

    @Inject
    public EndpointsController(ControllerMetrics metrics) {
        super(NAME, metrics);
    }

    @Override
    public void register(ControllerContext context) {
        SharedIndexInformer<Service> services = context.informers().informerFor(Service.class);
        SharedIndexInformer<Pod> pods = context.informers().informerFor(Pod.class);
        SharedIndexInformer<Endpoints> endpoints = context.informers().informerFor(Endpoints.class);
        OrdinalClient client = context.client();
        ReconcileLoop<ObjectKey> loop = newLoop(context, WORKERS);
        Term t = new Term(loop, services.lister(), pods.lister(), endpoints.lister(), client.resources(Endpoints.class));
        begin(t);
        services.addEventHandler(ResourceEventHandler.onAnyChange(s -> loop.enqueue(ObjectKey.of(s))));
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                enqueueServicesOf(t, p);
            }

            @Override
            public void onUpdate(Pod old, Pod p) {
                if (EndpointsPlanner.endpointsRelevantChange(old, p)) {
                    enqueueServicesOf(t, old);
                    enqueueServicesOf(t, p);
                }
            }

            @Override
            public void onDelete(Pod p) {
                enqueueServicesOf(t, p);
            }
        });
        // Endpoints left over from a Service deleted while no controller ran, or changed by hand.
        endpoints.addEventHandler(ResourceEventHandler.onAnyChange(e -> loop.enqueue(ObjectKey.of(e))));
    }

    private static void enqueueServicesOf(Term t, Pod pod) {
        for (Service s : t.services().list(pod.getMetadata().getNamespace())) {
            if (EndpointsPlanner.selects(s, pod)) {
                t.loop().enqueue(ObjectKey.of(s));
            }
        }
    }

    @Override
    protected void sync(ObjectKey key) {
        Term t = term();
        Optional<Service> service = t.services().get(key);
        Optional<Endpoints> current = t.endpoints().get(key);
        EndpointsPlanner.Action action = EndpointsPlanner.plan(service, current,
                service.isPresent() ? t.pods().list(key.namespace()) : java.util.List.of());
        try {
            if (action instanceof EndpointsPlanner.Create c) {
                t.api().create(c.endpoints());
                LOG.debugf("created endpoints %s", key);
            } else if (action instanceof EndpointsPlanner.Update u) {
                t.api().update(u.endpoints());
                LOG.debugf("updated endpoints %s", key);
            } else if (action instanceof EndpointsPlanner.Delete d) {
                t.api().delete(d.namespace(), d.name(), DeleteOptions.defaults().withPreconditionUid(d.uid()));
                LOG.debugf("deleted endpoints %s: its service is gone", key);
            }
        } catch (ApiException e) {
            if (action instanceof EndpointsPlanner.Delete && e.code() == Status.Code.NOT_FOUND) {
                return;
            }
            if (action instanceof EndpointsPlanner.Create && "Forbidden".equals(e.reason())) {
                // The namespace is being deleted (Kubernetes' endpoints controller gives up the same
                // way): retrying cannot succeed, and the Service is going too.
                LOG.debugf("not creating endpoints %s: %s", key, e.getMessage());
                return;
            }
            throw e; // conflicts, a create racing the cache, outages: retried with backoff
        }
    }
}
