using VirtTools.Host;

namespace VirtTools.Testing;

/// <summary>
/// Makes the host the cmdlets see (the installed simulated kernel or recorded root) a live host whose
/// process runs as an ordinary user, as the kernel would say it in /proc/self/status: the privilege
/// check reads that file through the host seam, so nothing else needs to know it is simulated.
/// </summary>
public static class SimulatedUser
{
    /// <summary>Root's full capability set as a 6.x kernel prints it.</summary>
    public const ulong RootCapabilities = 0x000001ffffffffff;

    public static string Status(int uid, ulong capEff) =>
        $"Name:\tpwsh\nUmask:\t0022\nState:\tR (running)\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{uid}\t{uid}\t{uid}\t{uid}\n" +
        $"CapInh:\t0000000000000000\nCapPrm:\t{capEff:x16}\nCapEff:\t{capEff:x16}\nCapBnd:\t{RootCapabilities:x16}\n";

    /// <summary>Writes proc/self/status (and a passwd line for the name) under <paramref name="root"/>.</summary>
    public static void WriteStatus(string root, int uid, ulong capEff, string name = "alice")
    {
        var proc = Path.Combine(root, "proc", "self");
        Directory.CreateDirectory(proc);
        File.WriteAllText(Path.Combine(proc, "status"), Status(uid, capEff));
        var etc = Path.Combine(root, "etc");
        Directory.CreateDirectory(etc);
        var passwd = Path.Combine(etc, "passwd");
        File.AppendAllText(passwd, $"{name}:x:{uid}:{uid}::/home/{name}:/bin/bash\n");
    }

    /// <summary>
    /// Until disposed, every HostContext the cmdlets get is the one installed now, with its privileges
    /// read from its root's /proc/self/status (written here: <paramref name="uid"/>, <paramref name="capEff"/>).
    /// </summary>
    public static IDisposable Install(int uid = 1000, ulong capEff = 0, string name = "alice")
    {
        var previous = HostContext.Override;
        var root = (previous?.Invoke() ?? HostContext.FromEnvironment()).Files.Root;
        if (root == "/") throw new InvalidOperationException("A simulated user needs a simulated or copied root, never the live one.");
        WriteStatus(root, uid, capEff, name);
        HostContext.Override = () =>
        {
            var c = previous?.Invoke() ?? HostContext.FromEnvironment();
            return new HostContext(c.Files, c.Modules, c.Processes) { OpenLibvirt = c.OpenLibvirt, SimulatesLiveRoot = true };
        };
        return new Undo(() => HostContext.Override = previous);
    }

    private sealed class Undo(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
