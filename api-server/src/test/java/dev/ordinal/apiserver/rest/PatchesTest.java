package dev.ordinal.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Descriptors.Descriptor;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.StatefulSet;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The three patch formats on plain JSON, with Kubernetes' list rules for strategic merge patch. */
class PatchesTest {
    private static final Descriptor STS = StatefulSet.getDescriptor();

    static JsonNode json(String text) {
        try {
            return KubeJson.JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static final JsonNode LIVE = json("""
            {'metadata':{'name':'web','labels':{'app':'nginx','tier':'front'},'finalizers':['a']},
             'spec':{'replicas':3,'template':{'metadata':{'labels':{'app':'nginx'}},'spec':{
               'containers':[{'name':'nginx','image':'nginx:1','args':['-a','-b'],
                              'ports':[{'containerPort':80,'name':'web'},{'containerPort':443,'name':'tls'}],
                              'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]},
                             {'name':'sidecar','image':'busybox'}],
               'volumes':[{'name':'data','emptyDir':{}}]}}}}""");

    @Test
    void mergePatchReplacesListsAndDeletesWithNull() {
        JsonNode out = Patches.mergePatch(LIVE, json("{'metadata':{'labels':{'tier':null,'new':'x'}},'spec':{'replicas':5}}"));
        assertThat(out.at("/metadata/labels").toString()).isEqualTo("{\"app\":\"nginx\",\"new\":\"x\"}");
        assertThat(out.at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(out.at("/spec/template/spec/containers").size()).isEqualTo(2);
    }

    @Test
    void jsonPatchSupportsEveryOperationAndFailsATest() {
        JsonNode out = Patches.jsonPatch(LIVE, json("""
                [{'op':'replace','path':'/spec/replicas','value':1},
                 {'op':'add','path':'/metadata/labels/x','value':'y'},
                 {'op':'remove','path':'/metadata/labels/tier'},
                 {'op':'copy','from':'/metadata/labels/x','path':'/metadata/labels/z'},
                 {'op':'move','from':'/metadata/labels/z','path':'/metadata/labels/w'},
                 {'op':'add','path':'/spec/template/spec/containers/-','value':{'name':'third'}},
                 {'op':'test','path':'/spec/replicas','value':1}]"""));
        assertThat(out.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(out.at("/metadata/labels").toString()).isEqualTo("{\"app\":\"nginx\",\"x\":\"y\",\"w\":\"y\"}");
        assertThat(out.at("/spec/template/spec/containers/2/name").asText()).isEqualTo("third");
        assertThatThrownBy(() -> Patches.jsonPatch(LIVE, json("[{'op':'test','path':'/spec/replicas','value':9}]")))
                .isInstanceOf(Patches.PatchException.class).hasMessageContaining("testing value /spec/replicas failed");
        assertThatThrownBy(() -> Patches.jsonPatch(LIVE, json("[{'op':'remove','path':'/spec/nothing'}]")))
                .hasMessageContaining("/spec/nothing does not exist");
    }

    @Test
    void strategicMergesContainersByNameAndPortsByContainerPort() {
        JsonNode out = Patches.strategic(LIVE, json("""
                {'spec':{'template':{'spec':{'containers':[{'name':'nginx','image':'nginx:2',
                   'ports':[{'containerPort':8080,'name':'alt'}],'env':[{'name':'B','value':'3'}]}]}}}}"""), STS);
        JsonNode containers = out.at("/spec/template/spec/containers");
        assertThat(containers.size()).isEqualTo(2);
        assertThat(containers.get(0).get("image").asText()).isEqualTo("nginx:2");
        assertThat(containers.get(0).get("ports").size()).isEqualTo(3);
        assertThat(containers.get(0).at("/env/1/value").asText()).isEqualTo("3");
        assertThat(containers.get(1).get("name").asText()).isEqualTo("sidecar");
    }

    @Test
    void strategicReplacesAtomicListsWhole() {
        JsonNode out = Patches.strategic(LIVE, json("{'spec':{'template':{'spec':{'containers':[{'name':'nginx','args':['-c']}]}}}}"), STS);
        assertThat(out.at("/spec/template/spec/containers/0/args").toString()).isEqualTo("[\"-c\"]");
    }

    @Test
    void patchReplaceOnAMapReplacesItLikeRolloutUndo() {
        JsonNode out = Patches.strategic(LIVE, json("""
                {'spec':{'template':{'$patch':'replace','metadata':{'labels':{'app':'nginx'}},
                   'spec':{'containers':[{'name':'nginx','image':'nginx:0'}]}}}}"""), STS);
        assertThat(out.at("/spec/template/spec/containers").size()).isEqualTo(1);
        assertThat(out.at("/spec/template/spec/containers/0").toString()).isEqualTo("{\"name\":\"nginx\",\"image\":\"nginx:0\"}");
        assertThat(out.at("/spec/template/spec/volumes").isMissingNode()).isTrue();
        assertThat(out.at("/spec/template/$patch").isMissingNode()).isTrue();
        assertThat(out.at("/spec/replicas").asInt()).isEqualTo(3);
    }

    @Test
    void patchReplaceAndDeleteInsideLists() {
        JsonNode replaced = Patches.strategic(LIVE, json(
                "{'spec':{'template':{'spec':{'containers':[{'name':'only'},{'$patch':'replace'}]}}}}"), STS);
        assertThat(replaced.at("/spec/template/spec/containers").toString()).isEqualTo("[{\"name\":\"only\"}]");
        JsonNode deleted = Patches.strategic(LIVE, json(
                "{'spec':{'template':{'spec':{'containers':[{'name':'sidecar','$patch':'delete'}]}}}}"), STS);
        assertThat(deleted.at("/spec/template/spec/containers").size()).isEqualTo(1);
        JsonNode deletedMap = Patches.strategic(LIVE, json("{'spec':{'template':{'metadata':{'$patch':'delete'}}}}"), STS);
        assertThat(deletedMap.at("/spec/template/metadata").isMissingNode()).isTrue();
    }

    @Test
    void setElementOrderFromSetImageAndDirectivesAreStripped() {
        JsonNode out = Patches.strategic(LIVE, json("""
                {'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'sidecar'},{'name':'nginx'}],
                  'containers':[{'image':'nginx:3','name':'nginx'}]}}}}"""), STS);
        assertThat(out.at("/spec/template/spec/containers/0/name").asText()).isEqualTo("sidecar");
        assertThat(out.at("/spec/template/spec/containers/1/image").asText()).isEqualTo("nginx:3");
        assertThat(out.toString()).doesNotContain("$setElementOrder");
    }

    @Test
    void finalizersMergeAsASetAndDeleteFromPrimitiveList() {
        JsonNode added = Patches.strategic(LIVE, json("{'metadata':{'finalizers':['b','a']}}"), STS);
        assertThat(added.at("/metadata/finalizers").toString()).isEqualTo("[\"a\",\"b\"]");
        JsonNode removed = Patches.strategic(added, json("{'metadata':{'$deleteFromPrimitiveList/finalizers':['a']}}"), STS);
        assertThat(removed.at("/metadata/finalizers").toString()).isEqualTo("[\"b\"]");
    }

    @Test
    void retainKeysDropsWhatTheNewValueDoesNotName() {
        JsonNode out = Patches.strategic(LIVE, json(
                "{'spec':{'template':{'spec':{'volumes':[{'name':'data','$retainKeys':['name','hostPath'],'hostPath':{'path':'/x'}}]}}}}"), STS);
        assertThat(out.at("/spec/template/spec/volumes/0").toString()).isEqualTo("{\"name\":\"data\",\"hostPath\":{\"path\":\"/x\"}}");
    }

    @Test
    void servicePortsMergeByPortAndNodeCordon() {
        JsonNode svc = json("{'spec':{'ports':[{'port':80,'name':'web'},{'port':81,'name':'b'}]}}");
        JsonNode out = Patches.strategic(svc, json("{'spec':{'ports':[{'port':81,'name':'other'}]}}"), Service.getDescriptor());
        assertThat(out.at("/spec/ports").toString()).isEqualTo("[{\"port\":80,\"name\":\"web\"},{\"port\":81,\"name\":\"other\"}]");
        JsonNode node = Patches.strategic(json("{'metadata':{'name':'n'}}"), json("{'spec':{'unschedulable':true}}"), Node.getDescriptor());
        assertThat(node.at("/spec/unschedulable").asBoolean()).isTrue();
    }
}
