namespace VirtTools.Host;

/// <summary>
/// Everything VirtTools touches on a host: its files, its kernel modules and its programs.
/// Built per call from VIRTTOOLS_ROOT (default "/"), so a runbook can switch roots between calls.
/// </summary>
public sealed class HostContext
{
    public const string RootVariable = "VIRTTOOLS_ROOT";

    public HostContext(IHostFileSystem files, IModuleLoader modules, IProcessRunner processes)
    {
        Files = files;
        Modules = modules;
        Processes = processes;
    }

    public IHostFileSystem Files { get; }
    public IModuleLoader Modules { get; }
    public IProcessRunner Processes { get; }

    /// <summary>
    /// Opens a libvirt connection on this host by URI. A simulated host hands in its own (a test
    /// driver) so that what its libvirt says can be tested without a global hook.
    /// </summary>
    public Func<string, Libvirt.ILibvirtConnection> OpenLibvirt { get; init; } = Libvirt.LibvirtConnector.Open;

    /// <summary>True when the root is the live system, where programs and kernel writes act for real.</summary>
    public bool IsLiveRoot => Files.Root == "/";

    /// <summary>
    /// True when programs run through <see cref="Processes"/> report on the same host as <see cref="Files"/>:
    /// the live root, or a scripted runner that belongs to a simulated root. On a captured tree the system
    /// runner would describe the machine VirtTools runs on instead, so its answers must not be mixed in.
    /// </summary>
    public bool ProgramsSeeThisRoot => IsLiveRoot || Processes is not SystemProcessRunner;

    /// <summary>
    /// True when <see cref="Privileges"/> are read from this root's /proc/self/status although it is not
    /// the live root: a simulated live host. Elsewhere a root that is not "/" gets no privilege check,
    /// and the files' own permissions decide what may be written there.
    /// </summary>
    public bool SimulatesLiveRoot { get; init; }

    /// <summary>Who this process is (uid, capabilities) on the live root or a simulated one; null elsewhere.</summary>
    public HostPrivileges? Privileges => IsLiveRoot || SimulatesLiveRoot ? HostPrivileges.Read(Files) : null;

    /// <summary>
    /// Test hook: when set, <see cref="Current"/> returns what it gives (a simulated kernel,
    /// scripted programs). Nothing in the product sets it.
    /// </summary>
    public static Func<HostContext>? Override { get; set; }

    public static HostContext Current => Override?.Invoke() ?? FromEnvironment();

    /// <summary>What every cmdlet says of its root before it reads or plans anything: a root that is
    /// missing or not a directory is an error (HostRootNotFound); one that holds none of the trees
    /// VirtTools reads gets the returned warning; the live root and ordinary captures get null.</summary>
    public string? CheckRoot()
    {
        if (IsLiveRoot) return null;
        EnsureRoot(Files);
        return TopDirectories.Any(d => Files.Exists("/" + d)) ? null
            : $"The host root {Files.Root} ({RootVariable}) holds none of {string.Join(", ", TopDirectories.Select(d => d + "/"))}: there is nothing to read, and nothing will be written there. Point {RootVariable} at the top of a capture, or unset it.";
    }

    /// <summary>The one HostRootNotFound: the root is missing or not a directory.</summary>
    public static void EnsureRoot(IHostFileSystem files)
    {
        if (files.DirectoryExists("/")) return;
        throw new VirtToolsException("HostRootNotFound", FailureKind.ObjectNotFound,
            $"The host root '{files.Root}' ({RootVariable}) does not exist or is not a directory. Nothing was read or changed.", files.Root,
            $"Point {RootVariable} at a directory that holds a host's sys/, proc/ or etc/, or unset it to act on the live host.");
    }

    private static readonly string[] TopDirectories = { "sys", "proc", "etc", "boot", "lib", "usr", "dev", "run" };

    public static HostContext FromEnvironment()
    {
        var root = Environment.GetEnvironmentVariable(RootVariable);
        if (string.IsNullOrWhiteSpace(root)) root = "/";
        root = root.Length > 1 ? root.TrimEnd('/') : root;
        var files = new DiskFileSystem(root);
        var runner = new SystemProcessRunner();
        return new HostContext(files, new ModprobeLoader(files, runner), runner);
    }
}
