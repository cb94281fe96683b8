package dev.memwall.agent.cli;

import dev.memwall.agent.render.GpuCatalogView;
import dev.memwall.agent.render.Json;
import dev.memwall.device.simulated.HardwareCatalog;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code memwall gpus}: the hardware catalog used by {@code --simulate}. */
@Command(name = "gpus", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "List the hardware catalog: memory, bandwidth and dense peak FLOPs, each from a public source.")
final class GpusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print JSON, with the source of every number.")
    boolean json;

    @Override
    public Integer call() {
        var models = HardwareCatalog.builtIn().all();
        if (json) {
            spec.commandLine().getOut().println(Json.write(GpuCatalogView.document(models)));
        } else {
            spec.commandLine().getOut().print(GpuCatalogView.table(models));
        }
        spec.commandLine().getOut().flush();
        return Main.OK;
    }
}
