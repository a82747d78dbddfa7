using VirtTools.HelpBuilder;
using VirtTools.Testing;

namespace VirtTools.Help.Tests;

public class HelpBuildTests
{
    private static string TestDocs => Path.Combine(AppContext.BaseDirectory, "TestDocs");

    [Fact]
    public void Committed_en_US_matches_what_docs_produce()
    {
        // Fails when someone edits docs/*.md and commits without building: run `dotnet build src/VirtTools`.
        var problems = HelpBuild.Compare(Path.Combine(Fixtures.RepoRoot, "docs"), Path.Combine(Fixtures.RepoRoot, "en-US"));
        Assert.True(problems.Count == 0, "en-US/ is stale against docs/:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Same_docs_give_byte_identical_files()
    {
        var first = HelpBuild.Generate(TestDocs);
        var second = HelpBuild.Generate(TestDocs);
        Assert.Equal(first.Select(f => f.Name), second.Select(f => f.Name));
        Assert.Equal(first.Select(f => f.Content), second.Select(f => f.Content));

        var dir = Directory.CreateTempSubdirectory("vt-help-").FullName;
        try
        {
            HelpBuild.Write(TestDocs, dir);
            var bytes = File.ReadAllBytes(Path.Combine(dir, "VirtTools.dll-Help.xml"));
            Assert.NotEqual(0xEF, bytes[0]);   // no BOM
            var stamp = File.GetLastWriteTimeUtc(Path.Combine(dir, "VirtTools.dll-Help.xml"));
            Assert.Empty(HelpBuild.Write(TestDocs, dir));   // unchanged: nothing rewritten
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(dir, "VirtTools.dll-Help.xml")));
            Assert.Empty(HelpBuild.Compare(TestDocs, dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Compare_reports_changed_missing_and_orphaned_files()
    {
        var dir = Directory.CreateTempSubdirectory("vt-help-").FullName;
        try
        {
            HelpBuild.Write(TestDocs, dir);
            File.AppendAllText(Path.Combine(dir, "VirtTools.dll-Help.xml"), " ");
            File.WriteAllText(Path.Combine(dir, "about_Gone.help.txt"), "x");
            var problems = HelpBuild.Compare(TestDocs, dir);
            Assert.Contains(problems, p => p.StartsWith("VirtTools.dll-Help.xml: differs", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.StartsWith("about_Gone.help.txt: no markdown source", StringComparison.Ordinal));
            File.Delete(Path.Combine(dir, "VirtTools.dll-Help.xml"));
            Assert.Contains("VirtTools.dll-Help.xml: missing", HelpBuild.Compare(TestDocs, dir));
            HelpBuild.Write(TestDocs, dir);
            Assert.Empty(HelpBuild.Compare(TestDocs, dir));
            Assert.False(File.Exists(Path.Combine(dir, "about_Gone.help.txt")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Builder_program_checks_and_reports_schema_errors_as_build_errors()
    {
        var dir = Directory.CreateTempSubdirectory("vt-help-").FullName;
        try
        {
            var docs = Directory.CreateDirectory(Path.Combine(dir, "docs")).FullName;
            File.Copy(Path.Combine(TestDocs, "Get-PciDevice.md"), Path.Combine(docs, "Get-PciDevice.md"));
            var outDir = Path.Combine(dir, "en-US");
            var builder = Path.Combine(AppContext.BaseDirectory, "VirtTools.HelpBuilder.dll");
            Assert.Equal(1, ProcessRunner.Run("dotnet", new[] { builder, "--docs", docs, "--out", outDir, "--check" }, null).ExitCode);
            Assert.Equal(0, ProcessRunner.Run("dotnet", new[] { builder, "--docs", docs, "--out", outDir }, null).ExitCode);
            Assert.Equal(0, ProcessRunner.Run("dotnet", new[] { builder, "--docs", docs, "--out", outDir, "--check" }, null).ExitCode);

            File.AppendAllText(Path.Combine(docs, "Get-PciDevice.md"), "\n## BOGUS\ntext\n");
            var bad = ProcessRunner.Run("dotnet", new[] { builder, "--docs", docs, "--out", outDir }, null);
            Assert.Equal(2, bad.ExitCode);
            Assert.Matches(@"Get-PciDevice\.md\(\d+\): error VTHELP: Unexpected header name BOGUS", bad.StandardError);
            Assert.Equal(64, ProcessRunner.Run("dotnet", new[] { builder, "--nonsense" }, null).ExitCode);
        }
        finally { Directory.Delete(dir, true); }
    }
}
