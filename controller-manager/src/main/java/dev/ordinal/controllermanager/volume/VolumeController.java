package dev.ordinal.controllermanager.volume;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.VolumeNames;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.Lister;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.client.time.Clock;
import dev.ordinal.controllermanager.ControllerContext;
import dev.ordinal.controllermanager.ControllerMetrics;
import dev.ordinal.controllermanager.LoopController;
import dev.ordinal.controllermanager.ReconcileLoop;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Kubernetes' persistent-volume binder, the {@code ordinal.dev/shared} and {@code ordinal.dev/local}
 * provisioners, the expand controller and the PVC/PV protection controllers in one reconcile loop
 * (docs/volumes.md). Queue keys are claims and volumes; every decision is made by {@link ClaimSync},
 * {@link VolumeSync} and {@link ClaimProtection} from the informer caches, and this class carries it out.
 */
@ApplicationScoped
public class VolumeController extends LoopController<VolumeController.Key, VolumeController.Term> {
    public static final String NAME = "persistentvolume";
    public static final String COMPONENT = "persistentvolume-controller";
    private static final Logger LOG = Logger.getLogger(VolumeController.class);

    /** A queue key: a claim ({@code namespace/name}) or a volume ({@code name}). */
    record Key(boolean claim, ObjectKey key) {
        static Key claim(Message m) {
            return new Key(true, ObjectKey.of(m));
        }

        static Key volume(String name) {
            return new Key(false, ObjectKey.cluster(name));
        }
    }

    record Term(ReconcileLoop<Key> loop, OrdinalClient client, Lister<PersistentVolumeClaim> claims,
            Lister<PersistentVolume> volumes, Lister<StorageClass> classes, Lister<Pod> pods, Lister<Node> nodes,
            EventRecorder recorder, Clock clock) implements LoopController.Term<Key> {
    }

    private final VolumeControllerConfig config;

    @Inject
    public VolumeController(ControllerMetrics metrics, VolumeControllerConfig config) {
        super(NAME, metrics);
        this.config = config;
    }

    @Override
    public void register(ControllerContext context) {
        SharedIndexInformer<PersistentVolumeClaim> claims = context.informers().informerFor(PersistentVolumeClaim.class);
        SharedIndexInformer<PersistentVolume> volumes = context.informers().informerFor(PersistentVolume.class);
        SharedIndexInformer<StorageClass> classes = context.informers().informerFor(StorageClass.class);
        SharedIndexInformer<Pod> pods = context.informers().informerFor(Pod.class);
        SharedIndexInformer<Node> nodes = context.informers().informerFor(Node.class);
        ReconcileLoop<Key> loop = newLoop(context, config.workers());
        Term t = new Term(loop, context.client(), claims.lister(), volumes.lister(), classes.lister(), pods.lister(),
                nodes.lister(), context.recorder(COMPONENT), context.clock());
        begin(t);
        claims.addEventHandler(ResourceEventHandler.onAnyChange(c -> {
            loop.enqueue(Key.claim(c));
            if (!c.getSpec().getVolumeName().isEmpty()) {
                loop.enqueue(Key.volume(c.getSpec().getVolumeName()));
            }
            // A deleted claim releases the volumes that name it.
            for (PersistentVolume pv : t.volumes().list()) {
                if (VolumeMatching.preBoundTo(pv, c)) {
                    loop.enqueue(Key.volume(pv.getMetadata().getName()));
                }
            }
        }));
        volumes.addEventHandler(ResourceEventHandler.onAnyChange(pv -> {
            loop.enqueue(Key.volume(pv.getMetadata().getName()));
            // A volume that appeared or changed may be what a waiting claim needs.
            for (PersistentVolumeClaim c : t.claims().list()) {
                if (c.getSpec().getVolumeName().isEmpty() || c.getSpec().getVolumeName().equals(pv.getMetadata().getName())) {
                    loop.enqueue(Key.claim(c));
                }
            }
        }));
        classes.addEventHandler(ResourceEventHandler.onAnyChange(sc -> {
            for (PersistentVolumeClaim c : t.claims().list()) {
                if (c.getSpec().getStorageClassName().equals(sc.getMetadata().getName())) {
                    loop.enqueue(Key.claim(c));
                }
            }
        }));
        nodes.addEventHandler(ResourceEventHandler.onAnyChange(n -> {
            for (PersistentVolumeClaim c : t.claims().list()) {
                if (c.getSpec().getVolumeName().isEmpty()
                        && n.getMetadata().getName().equals(c.getMetadata().getAnnotationsOrDefault(VolumeNames.SELECTED_NODE, ""))) {
                    loop.enqueue(Key.claim(c));
                }
            }
        }));
        // A pod that finished or went away may be the last user of a claim being deleted.
        pods.addEventHandler(ResourceEventHandler.onAnyChange(p -> {
            for (String name : ClaimProtection.claimNames(p)) {
                t.claims().get(p.getMetadata().getNamespace(), name)
                        .filter(c -> c.getMetadata().hasDeletionTimestamp())
                        .ifPresent(c -> loop.enqueue(Key.claim(c)));
            }
        }));
    }

    @Override
    protected void sync(Key key) throws IOException {
        Term t = term();
        if (key.claim()) {
            Optional<PersistentVolumeClaim> claim = t.claims().get(key.key());
            if (claim.isPresent()) {
                syncClaim(t, claim.get());
            }
        } else {
            Optional<PersistentVolume> pv = t.volumes().get(key.key());
            if (pv.isPresent()) {
                syncVolume(t, pv.get());
            }
        }
    }

    // ------------------------------------------------------------------ claims

    private void syncClaim(Term t, PersistentVolumeClaim claim) throws IOException {
        if (claim.getMetadata().hasDeletionTimestamp()) {
            releaseIfUnused(t, claim);
            return;
        }
        String className = claim.getSpec().getStorageClassName();
        Optional<StorageClass> sc = className.isEmpty() ? Optional.empty() : t.classes().get("", className);
        String node = claim.getMetadata().getAnnotationsOrDefault(VolumeNames.SELECTED_NODE, "");
        Optional<Node> selected = node.isEmpty() ? Optional.empty() : t.nodes().get("", node);
        ClaimSync.Plan plan = ClaimSync.decide(new ClaimSync.Input(claim, sc, t.volumes().list(), selected,
                config.sharedRootPath(), t.clock().now()));
        if (plan.writesNothing(claim) && plan.events().isEmpty()) {
            return;
        }
        var volumesApi = t.client().resources(PersistentVolume.class);
        var claimsApi = t.client().resources(PersistentVolumeClaim.class);
        try {
            if (plan.createDirectory().isPresent()) {
                Files.createDirectories(plan.createDirectory().get());
            }
            if (plan.createVolume().isPresent()) {
                try {
                    volumesApi.create(plan.createVolume().get());
                    LOG.infof("provisioned volume %s for claim %s", plan.createVolume().get().getMetadata().getName(), ObjectKey.of(claim));
                } catch (ApiException e) {
                    if (e.code() != Status.Code.ALREADY_EXISTS) {
                        throw e;
                    }
                }
            }
            if (plan.updateVolume().isPresent()) {
                volumesApi.update(plan.updateVolume().get());
            }
            PersistentVolumeClaim current = claim;
            if (plan.updateClaim().isPresent()) {
                current = claimsApi.update(plan.updateClaim().get());
            }
            if (!plan.status().equals(current.getStatus())) {
                claimsApi.updateStatus(current.toBuilder().setStatus(plan.status()).build());
            }
        } catch (IOException | ApiException e) {
            if (e instanceof IOException) {
                t.recorder().warning(claim, "ProvisioningFailed", "could not create %s: %s", plan.createDirectory().orElse(null), e);
            }
            throw e;
        }
        for (ClaimSync.Event e : plan.events()) {
            t.recorder().event(claim, e.type(), e.reason(), e.message());
        }
    }

    /**
     * Removes the protection finalizer once no pod uses the claim; an empty cache answer is confirmed by
     * listing the namespace's pods from the api-server, as Kubernetes does, since a pod created a moment
     * ago may not have reached the cache.
     */
    private void releaseIfUnused(Term t, PersistentVolumeClaim claim) {
        String ns = claim.getMetadata().getNamespace();
        if (!ClaimProtection.mayRelease(claim, t.pods().list(ns))) {
            return;
        }
        var live = t.client().resources(Pod.class).listAll(ListOptions.inNamespace(ns)).items();
        if (!ClaimProtection.mayRelease(claim, live)) {
            return;
        }
        try {
            t.client().resources(PersistentVolumeClaim.class).update(ClaimProtection.withoutFinalizer(claim));
            LOG.debugf("claim %s is no longer used: protection finalizer removed", ObjectKey.of(claim));
        } catch (ApiException e) {
            if (e.code() != Status.Code.NOT_FOUND) {
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------ volumes

    private void syncVolume(Term t, PersistentVolume pv) throws IOException {
        Optional<PersistentVolumeClaim> claim = claimOf(t, pv);
        VolumeSync.Plan plan = VolumeSync.decide(pv, claim, config.sharedRootPath(), t.clock().now());
        var api = t.client().resources(PersistentVolume.class);
        if (plan.deleteDirectory().isPresent()) {
            deleteTree(plan.deleteDirectory().get());
            LOG.infof("deleted the data of volume %s (%s)", pv.getMetadata().getName(), plan.deleteDirectory().get());
        }
        PersistentVolume current = pv;
        try {
            if (!plan.status().equals(pv.getStatus())) {
                current = api.updateStatus(pv.toBuilder().setStatus(plan.status()).build());
            }
            if (plan.update().isPresent()) {
                PersistentVolume.Builder b = plan.update().get().toBuilder().setStatus(current.getStatus());
                b.getMetadataBuilder().setResourceVersion(current.getMetadata().getResourceVersion());
                api.update(b.build());
            }
            if (plan.delete()) {
                api.delete("", pv.getMetadata().getName(), DeleteOptions.defaults().withPreconditionUid(pv.getMetadata().getUid()));
                LOG.infof("deleted released volume %s (reclaim policy Delete)", pv.getMetadata().getName());
            }
        } catch (ApiException e) {
            if (e.code() != Status.Code.NOT_FOUND) {
                throw e;
            }
        }
        for (ClaimSync.Event e : plan.events()) {
            t.recorder().event(pv, e.type(), e.reason(), e.message());
        }
    }

    /** The claim the volume's claimRef names, with its uid; an absence in the cache is confirmed with the api-server. */
    private static Optional<PersistentVolumeClaim> claimOf(Term t, PersistentVolume pv) {
        var ref = pv.getSpec().getClaimRef();
        if (!pv.getSpec().hasClaimRef() || ref.getName().isEmpty()) {
            return Optional.empty();
        }
        Optional<PersistentVolumeClaim> cached = t.claims().get(ref.getNamespace(), ref.getName());
        if (cached.isPresent() && (ref.getUid().isEmpty() || Objects.equals(cached.get().getMetadata().getUid(), ref.getUid()))) {
            return cached;
        }
        try {
            return Optional.of(t.client().resources(PersistentVolumeClaim.class).get(ref.getNamespace(), ref.getName()));
        } catch (ApiException e) {
            if (e.code() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
