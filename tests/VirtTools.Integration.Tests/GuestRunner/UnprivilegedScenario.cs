using System.Diagnostics;
using System.Text.Json;

namespace VirtTools.Integration.GuestRunner;

public sealed partial class Scenarios
{
    /// <summary>
    /// An ordinary user on the real kernel (issue 19 item 4): this runner again, as uid 65534 with no
    /// groups and no capabilities (setpriv), imports the module and runs Get-PciDevice and host-changing
    /// cmdlets. Recorded: what the child saw, and the device's driver before and after (unchanged).
    /// </summary>
    private void Unprivileged(Scenario s)
    {
        var nic = Directory.GetDirectories("/sys/bus/pci/devices").Select(Path.GetFileName).OfType<string>().Order()
            .FirstOrDefault(a => Guest.Driver(a) == "e1000e");
        s.Set("address", nic);
        s.Set("driverBefore", nic is null ? null : Guest.Driver(nic));
        var self = System.Environment.ProcessPath!;
        var psi = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--reuid", "65534", "--regid", "65534", "--clear-groups", "env", "HOME=/tmp", "DOTNET_CLI_HOME=/tmp", self })
            psi.ArgumentList.Add(a);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(Scenarios).Assembly.Location);
        // The repository is this runner's first argument (GuestRunner <repoRoot> [outDir]).
        var repo = Path.GetFullPath(System.Environment.GetCommandLineArgs().ElementAtOrDefault(1) ?? ".");
        foreach (var a in new[] { "--unprivileged", repo, nic ?? "0000:00:00.0" }) psi.ArgumentList.Add(a);
        using var child = Process.Start(psi)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = child.StandardOutput.ReadToEnd();
        if (!child.WaitForExit(600_000)) child.Kill(entireProcessTree: true);
        s.Set("exit", child.HasExited ? child.ExitCode : -1);
        s.Set("stderr", stderr.Result);
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        s.Set("child", last is not null && last.StartsWith('{') ? JsonSerializer.Deserialize<JsonElement>(last) : stdout);
        s.Set("driverAfter", nic is null ? null : Guest.Driver(nic));
    }

    /// <summary>The child side of <see cref="Unprivileged"/>: runs as nobody, prints one JSON line.</summary>
    public static int RunUnprivileged(string repo, string address)
    {
        using var shell = new Shell(repo);
        var r = new Dictionary<string, object?>
        {
            ["status"] = File.ReadAllLines("/proc/self/status").Where(l => l.StartsWith("Uid:") || l.StartsWith("CapEff:")).ToArray(),
            ["importErrors"] = shell.ImportErrors,
            ["getPciDevice"] = shell.Invoke("Get-PciDevice"),
            ["enableVfio"] = shell.Invoke("Enable-VfioDevice -Address $args[0] -Confirm:$false", address),
            ["setSriovVfCount"] = shell.Invoke("Set-SriovVfCount -Address $args[0] -Count 1 -Confirm:$false", address),
            ["setKernelParameter"] = shell.Invoke("Set-VHSKernelParameter -Name virttools_test -Value on -Confirm:$false"),
            ["importModule"] = shell.Invoke("Import-VHSKernelModule -Name dummy -Confirm:$false"),
        };
        Console.Out.WriteLine(JsonSerializer.Serialize(r));
        return 0;
    }
}
