using VirtTools.HelpBuilder;
using VirtTools.Testing;

namespace VirtTools.Help.Tests;

/// <summary>
/// The repo's module (same bin/VirtTools.dll, format file and about topic) in a temp folder whose
/// en-US is built from TestDocs, so help can be tested end to end before docs/ has cmdlet pages.
/// </summary>
public sealed class FixtureModule : IDisposable
{
    public FixtureModule()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("vt-help-module-").FullName;
        var repo = Fixtures.RepoRoot;
        var manifest = File.ReadAllText(Path.Combine(repo, "VirtTools.psd1"))
            .Replace("'bin/VirtTools.dll'", "'" + Path.Combine(repo, "bin", "VirtTools.dll") + "'");
        File.WriteAllText(Manifest, manifest);
        File.Copy(Path.Combine(repo, "VirtTools.Format.ps1xml"), Path.Combine(Directory, "VirtTools.Format.ps1xml"));
        HelpBuild.Write(DocsDir, Path.Combine(Directory, "en-US"));
        File.Copy(Path.Combine(repo, "en-US", "about_VirtTools.help.txt"), Path.Combine(Directory, "en-US", "about_VirtTools.help.txt"));
    }

    public static string DocsDir => Path.Combine(AppContext.BaseDirectory, "TestDocs");

    public string Directory { get; }

    public string Manifest => Path.Combine(Directory, "VirtTools.psd1");

    public void Dispose() => System.IO.Directory.Delete(Directory, true);
}
