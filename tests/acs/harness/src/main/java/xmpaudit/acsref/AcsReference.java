package xmpaudit.acsref;

import com.adobe.acs.commons.util.WorkflowHelper;
import com.adobe.acs.commons.workflow.WorkflowPackageManager;
import com.adobe.acs.commons.workflow.process.impl.SyncSmartTagsToXmpMetadataNodeProcess;
import com.adobe.granite.workflow.WorkflowSession;
import com.adobe.granite.workflow.exec.WorkItem;
import com.adobe.granite.workflow.exec.WorkflowData;
import com.adobe.granite.workflow.metadata.MetaDataMap;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.wcm.testing.mock.aem.junit5.AemContext;
import org.apache.jackrabbit.commons.JcrUtils;
import org.apache.jackrabbit.commons.cnd.CndImporter;
import org.apache.sling.api.resource.ResourceResolver;
import org.apache.sling.testing.mock.sling.ResourceResolverType;
import org.mockito.Mockito;

import javax.jcr.Node;
import javax.jcr.NodeIterator;
import javax.jcr.Property;
import javax.jcr.PropertyIterator;
import javax.jcr.PropertyType;
import javax.jcr.Session;
import javax.jcr.Value;
import javax.jcr.ValueFactory;
import java.io.Reader;
import java.io.StringReader;
import java.io.Writer;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;

/**
 * Runs the released ACS AEM Commons process "Synchronize Smart Tags to XMP Metadata Node" on real Oak
 * (AEM Mocks, JCR_OAK) for every case of a JSON file and writes the resulting typed nodes as JSON.
 *
 * <p>Usage: {@code AcsReference cases.json results.json}. Input: {@code {"cases": [{"id", "path", "processArgs",
 * "metadata": node|null}]}} where a node is {@code {"properties": [{"name", "type", "multiple", "values"}],
 * "children": [{"name", ...node}]}}. Output: {@code {"results": [{"id", "args", "error", "metadata"}]}}.
 */
public final class AcsReference {

    private static final String CND = "<dam = 'http://www.day.com/dam/ns/1.0'>\n"
            + "[dam:Asset] > nt:unstructured\n"
            + "[dam:AssetContent] > nt:unstructured\n";

    private AcsReference() {
    }

    /** AEM Mocks context on real Oak, set up without a JUnit run. */
    private static final class OakContext extends AemContext {
        OakContext() {
            super(ResourceResolverType.JCR_OAK);
        }

        void start() {
            setUpContext();
        }

        void stop() {
            tearDownContext();
        }
    }

    /** The step's metadata map: PROCESS_ARGS as the workflow engine stores it (a String). */
    private static final class StepMetaData extends HashMap<String, Object> implements MetaDataMap {
        @Override
        public <T> T get(String name, Class<T> type) {
            Object value = super.get(name);
            return type.isInstance(value) ? type.cast(value) : null;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get(String name, T defaultValue) {
            Object value = super.get(name);
            if (value == null || defaultValue == null) {
                return value == null ? defaultValue : (T) value;
            }
            return defaultValue.getClass().isInstance(value) ? (T) value : defaultValue;
        }
    }

    public static void main(String[] argv) throws Exception {
        JsonObject input;
        try (Reader reader = Files.newBufferedReader(Paths.get(argv[0]), StandardCharsets.UTF_8)) {
            input = new Gson().fromJson(reader, JsonObject.class);
        }
        OakContext context = new OakContext();
        context.start();
        JsonArray results = new JsonArray();
        try {
            ResourceResolver resolver = context.resourceResolver();
            Session session = resolver.adaptTo(Session.class);
            prepareRepository(session);
            SyncSmartTagsToXmpMetadataNodeProcess process = newProcess(resolver);
            Constructor<?> argsConstructor = processArgsConstructor();
            int index = 0;
            for (JsonElement element : input.getAsJsonArray("cases")) {
                JsonObject spec = element.getAsJsonObject();
                String assetPath = spec.has("path") ? spec.get("path").getAsString()
                        : "/content/dam/acsref/case" + index + ".jpg";
                index++;
                results.add(runCase(spec, assetPath, process, argsConstructor, resolver, session));
            }
        } finally {
            context.stop();
        }
        JsonObject output = new JsonObject();
        output.add("results", results);
        Gson gson = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
        try (Writer writer = Files.newBufferedWriter(Paths.get(argv[1]), StandardCharsets.UTF_8)) {
            gson.toJson(output, writer);
        }
    }

    private static void prepareRepository(Session session) throws Exception {
        String[][] namespaces = {
            {"dc", "http://purl.org/dc/elements/1.1/"},
            {"xmp", "http://ns.adobe.com/xap/1.0/"},
        };
        for (String[] ns : namespaces) {
            try {
                session.getWorkspace().getNamespaceRegistry().registerNamespace(ns[0], ns[1]);
            } catch (javax.jcr.NamespaceException alreadyThere) {
                // registered by the mocks
            }
        }
        CndImporter.registerNodeTypes(new StringReader(CND), session);
        Node content = session.getRootNode().addNode("content", "nt:unstructured");
        content.addNode("dam", "nt:unstructured").addNode("acsref", "nt:unstructured");
        session.save();
    }

    /** The released process with its two OSGi references replaced by mocks. */
    private static SyncSmartTagsToXmpMetadataNodeProcess newProcess(ResourceResolver resolver) throws Exception {
        // The process closes the resolver it gets (try-with-resources); the engine's session stays open and is
        // saved after the step, so hand it a view of the context resolver whose close() does nothing.
        ResourceResolver unclosable = (ResourceResolver) Proxy.newProxyInstance(
                AcsReference.class.getClassLoader(), new Class<?>[] {ResourceResolver.class},
                (proxy, method, args) -> {
                    if ("close".equals(method.getName())) {
                        return null;
                    }
                    try {
                        return method.invoke(resolver, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        WorkflowHelper workflowHelper = Mockito.mock(WorkflowHelper.class);
        Mockito.when(workflowHelper.getResourceResolver(Mockito.any(WorkflowSession.class))).thenReturn(unclosable);
        WorkflowPackageManager packageManager = Mockito.mock(WorkflowPackageManager.class);
        Mockito.when(packageManager.getPaths(Mockito.any(), Mockito.anyString()))
                .thenAnswer(call -> List.of((String) call.getArgument(1)));
        SyncSmartTagsToXmpMetadataNodeProcess process = new SyncSmartTagsToXmpMetadataNodeProcess();
        inject(process, "workflowHelper", workflowHelper);
        inject(process, "workflowPackageManager", packageManager);
        return process;
    }

    private static void inject(Object target, String field, Object value) throws Exception {
        Field f = target.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(target, value);
    }

    private static Constructor<?> processArgsConstructor() throws Exception {
        Class<?> argsClass = Class.forName(SyncSmartTagsToXmpMetadataNodeProcess.class.getName() + "$ProcessArgs");
        Constructor<?> constructor = argsClass.getDeclaredConstructor(MetaDataMap.class);
        constructor.setAccessible(true);
        return constructor;
    }

    private static JsonObject runCase(JsonObject spec, String assetPath, SyncSmartTagsToXmpMetadataNodeProcess process,
                                      Constructor<?> argsConstructor, ResourceResolver resolver, Session session)
            throws Exception {
        JsonObject result = new JsonObject();
        result.add("id", spec.get("id"));
        result.addProperty("path", assetPath);
        StepMetaData metaData = new StepMetaData();
        JsonElement processArgs = spec.get("processArgs");
        if (processArgs != null && !processArgs.isJsonNull()) {
            metaData.put(WorkflowHelper.PROCESS_ARGS, processArgs.getAsString());
        }
        result.add("args", parsedArguments(argsConstructor, metaData));

        Node asset = buildAsset(session, assetPath, spec.get("metadata"));
        session.save();

        WorkflowData data = Mockito.mock(WorkflowData.class);
        Mockito.when(data.getPayload()).thenReturn(assetPath);
        Mockito.when(data.getPayloadType()).thenReturn("JCR_PATH");
        WorkItem workItem = Mockito.mock(WorkItem.class);
        Mockito.when(workItem.getWorkflowData()).thenReturn(data);
        WorkflowSession workflowSession = Mockito.mock(WorkflowSession.class);

        String error = null;
        try {
            process.execute(workItem, workflowSession, metaData);
            resolver.commit(); // the workflow engine saves the session after a step that returned normally
        } catch (Exception e) {
            error = e.getClass().getName() + ": " + e.getMessage();
            resolver.revert(); // a failed step changes nothing
            session.refresh(false);
        }
        result.add("error", error == null ? JsonNull.INSTANCE : new JsonPrimitive(error));
        Node content = asset.hasNode("jcr:content") ? asset.getNode("jcr:content") : null;
        result.add("metadata", content != null && content.hasNode("metadata")
                ? dump(content.getNode("metadata")) : JsonNull.INSTANCE);
        return result;
    }

    /** The arguments as the process's own ProcessArgs class parses them. */
    private static JsonObject parsedArguments(Constructor<?> constructor, MetaDataMap metaData) throws Exception {
        JsonObject args = new JsonObject();
        Object parsed;
        try {
            parsed = constructor.newInstance(metaData);
        } catch (InvocationTargetException e) {
            args.addProperty("error", e.getCause().getClass().getName() + ": " + e.getCause().getMessage());
            return args;
        }
        for (String getter : new String[] {"getSequenceName", "getNameProperty", "getConfidenceProperty"}) {
            Method method = parsed.getClass().getDeclaredMethod(getter);
            method.setAccessible(true);
            String key = Character.toLowerCase(getter.charAt(3)) + getter.substring(4);
            args.addProperty(key, (String) method.invoke(parsed));
        }
        Method minimum = parsed.getClass().getDeclaredMethod("getMinimumConfidence");
        minimum.setAccessible(true);
        args.addProperty("minimumConfidence", Double.toString((Double) minimum.invoke(parsed)));
        return args;
    }

    private static Node buildAsset(Session session, String assetPath, JsonElement metadata) throws Exception {
        Node parent = JcrUtils.getOrCreateByPath(assetPath.substring(0, assetPath.lastIndexOf('/')),
                "nt:unstructured", session);
        Node asset = parent.addNode(assetPath.substring(assetPath.lastIndexOf('/') + 1), "dam:Asset");
        Node content = asset.addNode("jcr:content", "dam:AssetContent");
        if (metadata != null && !metadata.isJsonNull()) {
            fill(session, content.addNode("metadata", "nt:unstructured"), metadata.getAsJsonObject());
        }
        return asset;
    }

    private static void fill(Session session, Node node, JsonObject spec) throws Exception {
        ValueFactory factory = session.getValueFactory();
        JsonArray properties = spec.has("properties") ? spec.getAsJsonArray("properties") : new JsonArray();
        for (JsonElement element : properties) {
            JsonObject property = element.getAsJsonObject();
            String name = property.get("name").getAsString();
            String type = property.get("type").getAsString();
            JsonArray values = property.getAsJsonArray("values");
            Value[] jcrValues = new Value[values.size()];
            for (int i = 0; i < values.size(); i++) {
                jcrValues[i] = toValue(factory, type, values.get(i));
            }
            if (property.has("multiple") && property.get("multiple").getAsBoolean()) {
                node.setProperty(name, jcrValues, PropertyType.valueFromName(type));
            } else {
                node.setProperty(name, jcrValues[0]);
            }
        }
        JsonArray children = spec.has("children") ? spec.getAsJsonArray("children") : new JsonArray();
        for (JsonElement element : children) {
            JsonObject child = element.getAsJsonObject();
            fill(session, node.addNode(child.get("name").getAsString(), "nt:unstructured"), child);
        }
    }

    private static Value toValue(ValueFactory factory, String type, JsonElement raw) throws Exception {
        switch (type) {
            case "String":
                return factory.createValue(raw.getAsString());
            case "Long":
                return factory.createValue(Long.parseLong(raw.getAsString()));
            case "Double":
                return factory.createValue(Double.parseDouble(raw.getAsString()));
            case "Boolean":
                return factory.createValue(raw.getAsBoolean());
            case "Decimal":
                return factory.createValue(new BigDecimal(raw.getAsString()));
            case "Date":
                return factory.createValue(raw.getAsString(), PropertyType.DATE);
            default:
                throw new IllegalArgumentException("unsupported type " + type);
        }
    }

    /** A node with its typed properties (sorted by name) and its children in order, recursively. */
    private static JsonObject dump(Node node) throws Exception {
        JsonObject out = new JsonObject();
        JsonArray properties = new JsonArray();
        java.util.TreeMap<String, JsonObject> sorted = new java.util.TreeMap<>();
        for (PropertyIterator it = node.getProperties(); it.hasNext();) {
            Property property = it.nextProperty();
            JsonObject p = new JsonObject();
            p.addProperty("name", property.getName());
            p.addProperty("type", PropertyType.nameFromValue(property.getType()));
            p.addProperty("multiple", property.isMultiple());
            JsonArray values = new JsonArray();
            for (Value value : property.isMultiple() ? property.getValues() : new Value[] {property.getValue()}) {
                values.add(fromValue(value));
            }
            p.add("values", values);
            sorted.put(property.getName(), p);
        }
        sorted.values().forEach(properties::add);
        out.add("properties", properties);
        JsonArray children = new JsonArray();
        for (NodeIterator it = node.getNodes(); it.hasNext();) {
            Node child = it.nextNode();
            JsonObject c = dump(child);
            c.addProperty("name", child.getName());
            children.add(c);
        }
        out.add("children", children);
        return out;
    }

    private static JsonElement fromValue(Value value) throws Exception {
        switch (value.getType()) {
            case PropertyType.BOOLEAN:
                return new JsonPrimitive(value.getBoolean());
            case PropertyType.LONG:
                return new JsonPrimitive(Long.toString(value.getLong()));
            case PropertyType.DOUBLE:
                return new JsonPrimitive(Double.toString(value.getDouble()));
            case PropertyType.DECIMAL:
                return new JsonPrimitive(value.getDecimal().toString());
            default:
                return new JsonPrimitive(value.getString());
        }
    }
}
