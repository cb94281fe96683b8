package dev.memwall.device.host;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The processes holding a model where no memory map can be read (macOS, Windows: no {@code /proc}): those whose
 * command line names an existing {@code .gguf} or {@code .safetensors} file, directly or after {@code -m} /
 * {@code --model}, as llama.cpp's programs, Ollama's runner and most model servers take it; their resident memory
 * from the operating system (OSHI). The model's resident pages, open files and mapped libraries are not known this
 * way, so a model a program opened without naming it is not found.
 */
public final class CommandLineProcesses {

    private CommandLineProcesses() {
    }

    /**
     * A process as the operating system lists it.
     *
     * @param pid              its process id
     * @param name             its name, or null
     * @param arguments        its command line, or null when not ours to read
     * @param workingDirectory its working directory (for a relative model path), or null
     * @param residentBytes    its resident memory, or null
     */
    public record Listed(long pid, String name, List<String> arguments, String workingDirectory,
            Long residentBytes) {
    }

    /** OSHI's view of the operating system, made once (the agent scans every sample). */
    private static final class Os {
        static final oshi.software.os.OperatingSystem OS = new oshi.SystemInfo().getOperatingSystem();
    }

    /** This host's processes through OSHI. */
    public static HostProcesses.Scan scan() {
        List<Listed> listed = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        for (oshi.software.os.OSProcess p : Os.OS.getProcesses()) {
            if (listed.size() == HostProcesses.MAX_PROCESSES) {
                break;
            }
            if (p.getProcessID() != self) {
                List<String> args = p.getArguments();
                listed.add(new Listed(p.getProcessID(), p.getName(), args == null || args.isEmpty() ? null : args,
                        p.getCurrentWorkingDirectory(), p.getResidentSetSize() > 0 ? p.getResidentSetSize() : null));
            }
        }
        return of(listed);
    }

    /** The processes among these whose command line names a model file that exists. */
    public static HostProcesses.Scan of(List<Listed> listed) {
        List<HostProcesses.HostProcess> found = new ArrayList<>();
        int unreadable = 0;
        for (Listed p : listed) {
            if (p.arguments() == null) {
                unreadable++;
                continue;
            }
            List<String> args = p.arguments().size() > HostProcesses.MAX_ARGUMENTS
                    ? p.arguments().subList(0, HostProcesses.MAX_ARGUMENTS) : p.arguments();
            Map<String, HostProcesses.ModelFile> models = new LinkedHashMap<>();
            for (int i = 1; i < args.size(); i++) {
                String a = args.get(i);
                boolean flag = a.startsWith("--model=") || (a.equals("-m") || a.equals("--model")) && i + 1 < args.size();
                String named = a.startsWith("--model=") ? a.substring("--model=".length()) : flag ? args.get(i + 1) : a;
                Path file = file(named, p.workingDirectory(), flag);
                if (file != null && !models.containsKey(file.toString())) {
                    try {
                        models.put(file.toString(), new HostProcesses.ModelFile(file.toString(), Files.size(file),
                                null));
                    } catch (java.io.IOException | SecurityException e) {
                        // gone since: not held
                    }
                }
            }
            if (!models.isEmpty()) {
                found.add(new HostProcesses.HostProcess(p.pid(), p.name(), List.copyOf(args), p.residentBytes(),
                        List.copyOf(models.values()), List.of(), null, null));
            }
        }
        return new HostProcesses.Scan(found, unreadable, listed.size());
    }

    /**
     * The model file an argument names, where it exists and is one: by its extension, or, after {@code -m} /
     * {@code --model}, by GGUF's magic (Ollama's blobs are named by their digest); else null.
     */
    private static Path file(String argument, String workingDirectory, boolean afterModelFlag) {
        String lower = argument.toLowerCase(Locale.ROOT);
        boolean named = lower.endsWith(".gguf") || lower.endsWith(".safetensors");
        if (!named && !afterModelFlag) {
            return null;
        }
        try {
            Path p = Path.of(argument);
            if (!p.isAbsolute()) {
                if (workingDirectory == null || workingDirectory.isEmpty()) {
                    return null;
                }
                p = Path.of(workingDirectory).resolve(p);
            }
            return Files.isRegularFile(p) && (named || Boolean.TRUE.equals(HostProcesses.ggufMagic(p)))
                    ? p.normalize() : null;
        } catch (InvalidPathException | SecurityException e) {
            return null;
        }
    }
}
