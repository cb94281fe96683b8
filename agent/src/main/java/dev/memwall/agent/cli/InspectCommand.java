package dev.memwall.agent.cli;

import dev.memwall.agent.render.InspectView;
import dev.memwall.agent.render.Json;
import dev.memwall.estimator.catalog.ModelCatalog;
import dev.memwall.estimator.io.ModelFormatException;
import dev.memwall.estimator.source.LoadedModel;
import dev.memwall.estimator.source.ModelSources;
import dev.memwall.estimator.source.UnknownModelException;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code memwall inspect MODEL}: what memwall reads from a model, and its exact weight bytes. */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Show what memwall reads from a model: architecture, computed parameters, KV cache per token, "
                + "and the exact weight bytes per stored type when weight files are given.")
final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "MODEL", description = "A catalog id (see 'memwall models'), a config.json, a model "
            + "folder, a .safetensors file, a model.safetensors.index.json, or a .gguf file.")
    String model;

    @Option(names = "--json", description = "Print the memwall.inspect.v1 JSON document.")
    boolean json;

    @Override
    public Integer call() {
        LoadedModel loaded;
        try {
            loaded = ModelSources.load(model, ModelCatalog::builtIn);
        } catch (ModelFormatException | UnknownModelException e) {
            throw new BadInputException(e.getMessage());
        } catch (IOException e) {
            throw new RuntimeFailureException("could not read " + model + ": " + e.getMessage());
        }
        if (json) {
            spec.commandLine().getOut().println(Json.write(InspectView.document(loaded)));
        } else {
            spec.commandLine().getOut().print(InspectView.text(loaded));
        }
        spec.commandLine().getOut().flush();
        return Main.OK;
    }
}
