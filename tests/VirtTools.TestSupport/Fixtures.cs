using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace VirtTools.Testing;

/// <summary>The recorded machines in tests/fixtures; tarballs are extracted once per machine into a cache.</summary>
public static class Fixtures
{
    private static readonly object Gate = new();

    /// <summary>The repository root (the folder holding VirtTools.psd1).</summary>
    public static string RepoRoot
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("VIRTTOOLS_REPO");
            if (!string.IsNullOrEmpty(env)) return env;
            // This assembly's own folder first: under pwsh, AppContext.BaseDirectory is pwsh's folder.
            var starts = new[] { Path.GetDirectoryName(typeof(Fixtures).Assembly.Location), AppContext.BaseDirectory };
            foreach (var start in starts)
            {
                if (string.IsNullOrEmpty(start)) continue;
                for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
                    if (File.Exists(Path.Combine(d.FullName, "VirtTools.psd1"))) return d.FullName;
            }
            throw new InvalidOperationException("Cannot find the repository root (VirtTools.psd1) above " + string.Join(" or ", starts));
        }
    }

    /// <summary>
    /// The recorded machines: tests/fixtures in the repository (VIRTTOOLS_FIXTURES overrides), laid out as
    /// &lt;source&gt;/&lt;file or tree&gt;, e.g. "virt-what/rhel5-xen-dom0". See tests/fixtures/README.md.
    /// </summary>
    public static string RealRoot
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("VIRTTOOLS_FIXTURES");
            var root = Path.GetFullPath(string.IsNullOrEmpty(env) ? Path.Combine(RepoRoot, "tests", "fixtures") : env);
            if (!Directory.Exists(root))
                throw new DirectoryNotFoundException($"Recorded fixtures not found at {root}.");
            return root;
        }
    }

    /// <summary>
    /// The full path of one recording under <see cref="RealRoot"/> (a file or an unpacked tree), failing
    /// with what to do when it was not copied into tests/fixtures.
    /// </summary>
    public static string PathOf(string relative)
    {
        var full = Path.Combine(RealRoot, relative);
        if (!File.Exists(full) && !Directory.Exists(full))
            throw new FileNotFoundException(
                $"The recording '{relative}' is not in {RealRoot}. Copy it there from the shared recordings " +
                $"(fixtures/real/{relative}) with its SHA256SUMS line; see tests/fixtures/README.md.", full);
        return full;
    }

    /// <summary>
    /// Extracts a tarball under tests/fixtures (path relative to it, e.g. "hwloc/32intel64-2p8co2t+8ve.tar.bz2")
    /// with the system tar, keeping its relative symlinks, and returns the extraction directory.
    /// hwloc and util-linux tarballs have one top folder: use <see cref="TreeRoot"/> to find sys/.
    /// </summary>
    public static string Extract(string relativeTarball)
    {
        var src = PathOf(relativeTarball);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(relativeTarball + "|" + new FileInfo(src).Length)))[..16];
        var dest = Path.Combine(Path.GetTempPath(), "virttools-fixtures", key);
        lock (Gate)
        {
            var done = Path.Combine(dest, ".extracted");
            if (File.Exists(done)) return dest;
            using var mutex = new Mutex(false, "virttools-fixture-" + key);
            mutex.WaitOne();
            try
            {
                if (File.Exists(done)) return dest;
                if (Directory.Exists(dest)) Directory.Delete(dest, true);
                Directory.CreateDirectory(dest);
                var psi = new ProcessStartInfo("tar") { RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in new[] { "-xf", src, "-C", dest, "--no-same-owner", "--no-same-permissions" }) psi.ArgumentList.Add(a);
                using var p = Process.Start(psi)!;
                var err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0) throw new InvalidOperationException($"tar failed on {src}: {err}");
                File.WriteAllText(done, relativeTarball);
                return dest;
            }
            finally { mutex.ReleaseMutex(); }
        }
    }

    /// <summary>The directory under an extraction that holds sys/ or proc/ (the host root to point VIRTTOOLS_ROOT at).</summary>
    public static string TreeRoot(string extracted)
    {
        if (Directory.Exists(Path.Combine(extracted, "sys")) || Directory.Exists(Path.Combine(extracted, "proc"))) return extracted;
        foreach (var d in Directory.GetDirectories(extracted))
            if (Directory.Exists(Path.Combine(d, "sys")) || Directory.Exists(Path.Combine(d, "proc"))) return d;
        return extracted;
    }

    /// <summary>Extract + <see cref="TreeRoot"/> in one call.</summary>
    public static string Root(string relativeTarball) => TreeRoot(Extract(relativeTarball));
}
