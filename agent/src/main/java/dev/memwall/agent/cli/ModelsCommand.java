package dev.memwall.agent.cli;

import dev.memwall.agent.render.Json;
import dev.memwall.agent.render.ModelCatalogView;
import dev.memwall.estimator.catalog.ModelCatalog;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code memwall models}: the model catalog. */
@Command(name = "models", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "List the model catalog: family, parameters (computed from the architecture), active "
                + "parameters for mixture-of-experts models, layers, context and attention.")
final class ModelsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print JSON, with published counts and sources.")
    boolean json;

    @Override
    public Integer call() {
        var entries = ModelCatalog.builtIn().all();
        if (json) {
            spec.commandLine().getOut().println(Json.write(ModelCatalogView.document(entries)));
        } else {
            spec.commandLine().getOut().print(ModelCatalogView.table(entries));
        }
        spec.commandLine().getOut().flush();
        return Main.OK;
    }
}
