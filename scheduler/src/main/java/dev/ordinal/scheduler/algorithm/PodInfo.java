package dev.ordinal.scheduler.algorithm;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodAffinityTerm;
import dev.ordinal.api.v1.WeightedPodAffinityTerm;
import dev.ordinal.client.api.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pod with what scheduling needs computed once: its requests (cpu in millicores, memory in
 * bytes), its pod (anti-)affinity terms parsed, and its controller owner. Immutable; built from a
 * {@link Pod} either when it is queued or when it is placed on a node.
 */
public final class PodInfo {
    /** kube-scheduler's defaults for pods that request nothing, used only by scores (so they still spread). */
    public static final long DEFAULT_MILLI_CPU = 100;
    public static final long DEFAULT_MEMORY = 200L * 1024 * 1024;

    private final Pod pod;
    private final long milliCpu;
    private final long memory;
    private final long nonZeroMilliCpu;
    private final long nonZeroMemory;
    private final List<AffinityTerm> requiredAffinity;
    private final List<AffinityTerm> requiredAntiAffinity;
    private final List<AffinityTerm> preferredAffinity;
    private final List<AffinityTerm> preferredAntiAffinity;
    private final String controllerUid;

    private PodInfo(Pod pod) {
        this.pod = pod;
        long cpu = 0;
        long mem = 0;
        boolean anyCpu = false;
        boolean anyMem = false;
        for (Container c : pod.getSpec().getContainersList()) {
            Map<String, String> req = c.getResources().getRequestsMap();
            String cq = req.get("cpu");
            String mq = req.get("memory");
            if (cq != null) {
                cpu += Quantity.parse(cq).milliValue();
                anyCpu = true;
            }
            if (mq != null) {
                mem += Quantity.parse(mq).value();
                anyMem = true;
            }
        }
        // Init containers run one at a time before the others: the pod needs the largest of them.
        for (Container c : pod.getSpec().getInitContainersList()) {
            Map<String, String> req = c.getResources().getRequestsMap();
            if (req.containsKey("cpu")) {
                cpu = Math.max(cpu, Quantity.parse(req.get("cpu")).milliValue());
                anyCpu = true;
            }
            if (req.containsKey("memory")) {
                mem = Math.max(mem, Quantity.parse(req.get("memory")).value());
                anyMem = true;
            }
        }
        this.milliCpu = cpu;
        this.memory = mem;
        this.nonZeroMilliCpu = anyCpu && cpu > 0 ? cpu : DEFAULT_MILLI_CPU;
        this.nonZeroMemory = anyMem && mem > 0 ? mem : DEFAULT_MEMORY;
        String ns = pod.getMetadata().getNamespace();
        var affinity = pod.getSpec().getAffinity();
        this.requiredAffinity = terms(affinity.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecutionList(), ns);
        this.requiredAntiAffinity = terms(affinity.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecutionList(), ns);
        this.preferredAffinity = weighted(affinity.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecutionList(), ns);
        this.preferredAntiAffinity = weighted(affinity.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecutionList(), ns);
        String owner = "";
        for (OwnerReference r : pod.getMetadata().getOwnerReferencesList()) {
            if (r.hasController() && r.getController()) {
                owner = r.getUid();
                break;
            }
        }
        this.controllerUid = owner;
    }

    public static PodInfo of(Pod pod) {
        return new PodInfo(pod);
    }

    private static List<AffinityTerm> terms(List<PodAffinityTerm> terms, String ns) {
        if (terms.isEmpty()) {
            return List.of();
        }
        List<AffinityTerm> out = new ArrayList<>(terms.size());
        for (PodAffinityTerm t : terms) {
            out.add(AffinityTerm.of(t, ns, 1));
        }
        return List.copyOf(out);
    }

    private static List<AffinityTerm> weighted(List<WeightedPodAffinityTerm> terms, String ns) {
        if (terms.isEmpty()) {
            return List.of();
        }
        List<AffinityTerm> out = new ArrayList<>(terms.size());
        for (WeightedPodAffinityTerm t : terms) {
            out.add(AffinityTerm.of(t.getPodAffinityTerm(), ns, t.getWeight()));
        }
        return List.copyOf(out);
    }

    public Pod pod() {
        return pod;
    }

    public String uid() {
        return pod.getMetadata().getUid();
    }

    public String namespace() {
        return pod.getMetadata().getNamespace();
    }

    public String name() {
        return pod.getMetadata().getName();
    }

    public Map<String, String> labels() {
        return pod.getMetadata().getLabelsMap();
    }

    public long milliCpu() {
        return milliCpu;
    }

    public long memory() {
        return memory;
    }

    public long nonZeroMilliCpu() {
        return nonZeroMilliCpu;
    }

    public long nonZeroMemory() {
        return nonZeroMemory;
    }

    public List<AffinityTerm> requiredAffinity() {
        return requiredAffinity;
    }

    public List<AffinityTerm> requiredAntiAffinity() {
        return requiredAntiAffinity;
    }

    public List<AffinityTerm> preferredAffinity() {
        return preferredAffinity;
    }

    public List<AffinityTerm> preferredAntiAffinity() {
        return preferredAntiAffinity;
    }

    public boolean hasAnyAffinityTerms() {
        return !requiredAffinity.isEmpty() || !requiredAntiAffinity.isEmpty()
                || !preferredAffinity.isEmpty() || !preferredAntiAffinity.isEmpty();
    }

    /** The uid of the owner reference marked controller ("" when none): one StatefulSet's pods share it. */
    public String controllerUid() {
        return controllerUid;
    }

    @Override
    public String toString() {
        return namespace() + "/" + name();
    }
}
