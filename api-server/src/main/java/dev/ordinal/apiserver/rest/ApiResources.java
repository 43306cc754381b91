package dev.ordinal.apiserver.rest;

import dev.ordinal.client.api.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the REST facade serves for each kind: the verbs, short names, categories and subresources that
 * discovery advertises and the router accepts. The kinds themselves come from {@link Kind}.
 */
final class ApiResources {
    static final List<String> ALL_VERBS = List.of("create", "delete", "get", "list", "patch", "update", "watch");

    /** A subresource and the kind its requests and answers carry. */
    record Subresource(String name, String group, String version, String kind, List<String> verbs) {
    }

    private ApiResources() {
    }

    /** The group versions served, in the order discovery lists them ("v1" first). */
    static List<String> groupVersions() {
        Set<String> gvs = new LinkedHashSet<>();
        for (Kind kind : Kind.values()) {
            gvs.add(kind.apiVersion());
        }
        List<String> ordered = new ArrayList<>(gvs);
        ordered.sort((a, b) -> a.equals("v1") ? -1 : b.equals("v1") ? 1 : 0);
        return ordered;
    }

    static List<Kind> kindsOf(String groupVersion) {
        return Arrays.stream(Kind.values()).filter(k -> k.apiVersion().equals(groupVersion)).toList();
    }

    /** The kind served at {@code /apis/{groupVersion}/{plural}}. */
    static Optional<Kind> resource(String groupVersion, String plural) {
        return Arrays.stream(Kind.values())
                .filter(k -> k.apiVersion().equals(groupVersion) && k.plural().equals(plural)).findFirst();
    }

    static String singular(Kind kind) {
        return kind.kindName().toLowerCase(java.util.Locale.ROOT);
    }

    static List<String> shortNames(Kind kind) {
        return kind.shortName().map(List::of).orElse(List.of());
    }

    /** {@code kubectl get all} asks for the "all" category. */
    static List<String> categories(Kind kind) {
        return switch (kind) {
            case POD, SERVICE, STATEFUL_SET -> List.of("all");
            default -> List.of();
        };
    }

    static List<Subresource> subresources(Kind kind) {
        List<Subresource> subs = new ArrayList<>();
        String group = kind.group();
        String version = kind.apiVersion().substring(kind.apiVersion().indexOf('/') + 1);
        if (dev.ordinal.client.api.ApiObjects.hasStatus(kind)) {
            subs.add(new Subresource("status", group, version, kind.kindName(), List.of("get", "patch", "update")));
        }
        if (kind == Kind.STATEFUL_SET) {
            subs.add(new Subresource("scale", "autoscaling", "v1", "Scale", List.of("get", "patch", "update")));
        }
        if (kind == Kind.POD) {
            subs.add(new Subresource("eviction", "policy", "v1", "Eviction", List.of("create")));
            subs.add(new Subresource("log", "", "v1", "Pod", List.of("get")));
        }
        return subs;
    }

    static Optional<Subresource> subresource(Kind kind, String name) {
        return subresources(kind).stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
