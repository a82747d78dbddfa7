namespace VirtTools.Acceptance;

/// <summary>
/// The runner judged by sample files that must fail in specific ways (testdata/). If PesterLite
/// drifted from Pester 5's semantics, a 'pass:' test would fail or a 'fail:' test would pass.
/// </summary>
public sealed class RunnerSelfTests : IDisposable
{
    private readonly string _marker = Path.Combine(Path.GetTempPath(), $"pesterlite-marker-{Guid.NewGuid():N}.txt");

    public RunnerSelfTests()
    {
        File.WriteAllText(_marker, "");
        Environment.SetEnvironmentVariable("PESTERLITE_MARKER", _marker);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PESTERLITE_MARKER", null);
        File.Delete(_marker);
    }

    private static PesterFileResult Run(string name) => PesterHost.Run(Path.Combine(Repo.TestData, name));

    private static void AssertNamedOutcomes(PesterFileResult r)
    {
        Assert.False(r.DiscoveryFailed, string.Join("\n", r.Failures));
        var wrong = r.Tests
            .Where(t => t.Path[^1].StartsWith("pass:") ? t.Result != "Passed" : t.Path[^1].StartsWith("fail:") && t.Result != "Failed")
            .Select(t => $"{t.DisplayPath}: {t.Result} {t.Message}").ToList();
        Assert.True(wrong.Count == 0, "Wrong outcomes:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void Operators_pass_and_fail_as_in_Pester_5()
    {
        var r = Run("Outcomes.Tests.ps1");
        AssertNamedOutcomes(r);
        Assert.Equal(64, r.Tests.Count);
        Assert.Equal(26, r.Tests.Count(t => t.Result == "Failed"));
        Assert.StartsWith("Expected 2, but got 1.", r.Single("Be > fail: different numbers").Message);
        Assert.StartsWith("Expected 1 to be different from the actual value, but got the same value.", r.Single("Be > fail: -Not inverts a match").Message ?? "", StringComparison.Ordinal);
        Assert.StartsWith("Expected strings to be the same, but they were different.", r.Single("BeExactly > fail: other case").Message);
        Assert.StartsWith("Expected $null or empty, but got @('x').", r.Single("BeNullOrEmpty > fail: a value").Message);
        Assert.StartsWith("Expected 'b' to be found in collection @('abc'), but it was not found.", r.Single("Contain > fail: substring is not membership").Message);
        Assert.StartsWith("Expected a collection with size 3, but got collection with size 2 @(1, 2).", r.Single("HaveCount > fail: wrong count").Message);
        Assert.StartsWith("Expected an exception with FullyQualifiedErrorId 'Device' to be thrown, but the FullyQualifiedErrorId was 'DeviceNotFound'.",
            r.Single("Throw > fail: error id is matched whole").Message);
        Assert.StartsWith("Expected an exception with message like 'gone' to be thrown, but the message was 'Device gone'.",
            r.Single("Throw > fail: message is matched whole, not as a substring").Message);
        Assert.StartsWith("Expected an exception to be thrown, but no exception was thrown.", r.Single("Throw > fail: nothing thrown").Message);
        Assert.Contains("must be enclosed in curly braces", r.Single("Throw > fail: input is not a script block").Message);
        Assert.Contains("plain", r.Single("It outcomes > fail: a throw fails the test").Message);
        Assert.Contains("BeGreaterThan", r.Single("It outcomes > fail: an operator outside the subset").Message);
        // The first failing Should ended its It: the line after it never ran.
        Assert.DoesNotContain("ran on", File.ReadAllText(_marker));
    }

    [Fact]
    public void Scopes_follow_Pester_5_and_files_do_not_leak_into_each_other()
    {
        Run("Outcomes.Tests.ps1");
        var r = Run("Scoping.Tests.ps1");
        AssertNamedOutcomes(r);
        Assert.Equal(11, r.Tests.Count);
        Assert.All(r.Tests, t => Assert.Equal("Passed", t.Result));
        Assert.Contains("after:first;", File.ReadAllText(_marker));
        Assert.Null(Environment.GetEnvironmentVariable("PESTERLITE_ENV_LEAK"));
    }

    [Fact]
    public void ForEach_expands_blocks_and_tests_with_name_templates()
    {
        var r = Run("ForEach.Tests.ps1");
        Assert.Empty(r.Failures);
        string[] expected =
        [
            "Disk sda > has size 10 on sata", "Disk sda > Partition 1 > item 1 of sda", "Disk sda > Partition 2 > item 2 of sda",
            "Disk nvme0n1 > has size 20 on pcie", "Disk nvme0n1 > Partition 1 > item 1 of nvme0n1", "Disk nvme0n1 > Partition 2 > item 2 of nvme0n1",
            "Cases > adds 1 and 2", "Cases > adds 2 and 2", "Cases > plain item x", "Cases > plain item y",
            "Cases > object property 4", "Cases > no data leaves <Name> literal", "Cases > skipped", "Skipped block > is skipped too",
        ];
        Assert.Equal(expected, r.Tests.Select(t => t.DisplayPath));
        Assert.Equal(["Cases > skipped", "Skipped block > is skipped too"], r.Tests.Where(t => t.Result == "Skipped").Select(t => t.DisplayPath));
        Assert.All(r.Tests.Where(t => t.Result != "Skipped"), t => Assert.True(t.Result == "Passed", $"{t.DisplayPath}: {t.Message}"));
    }

    [Fact]
    public void Failed_setup_fails_its_tests_teardown_always_runs_and_TestDrive_is_cleaned()
    {
        var r = Run("Teardown.Tests.ps1");
        var results = r.Tests.ToDictionary(t => t.DisplayPath, t => t.Result);
        Assert.Equal("Failed", results["Broken setup > first cannot pass"]);
        Assert.Equal("Failed", results["Broken setup > Inner > inner cannot pass"]);
        Assert.Contains("setup broke", r.Single("Broken setup > Inner > inner cannot pass").Message);
        Assert.Equal("Failed", results["Failing test > fails"]);
        Assert.Equal("Passed", results["Broken teardown > passes before the teardown breaks"]);
        Assert.Equal("Passed", results["TestDrive > creates a file in a block"]);
        Assert.Equal("Passed", results["TestDrive > still sees it within the block"]);
        Assert.True(results["After the TestDrive block > no longer has the block's file but keeps the file-level one"] == "Passed",
            r.Single("After the TestDrive block > no longer has the block's file but keeps the file-level one").Message);

        Assert.Contains(r.Failures, f => f.Where == "Broken setup: BeforeAll" && f.Message.Contains("setup broke"));
        Assert.Contains(r.Failures, f => f.Where == "Broken teardown: AfterAll" && f.Message.Contains("teardown broke"));
        Assert.Equal(2, r.Failures.Count);

        var marks = File.ReadAllText(_marker).Split(';', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("broken-afterall", marks);
        Assert.Contains("aftereach", marks);
        Assert.Contains("failing-afterall", marks);
        Assert.Equal("file-afterall", marks[^1]);
        var drive = marks.Single(m => m.StartsWith("drive=", StringComparison.Ordinal))["drive=".Length..];
        Assert.StartsWith(Path.GetTempPath(), drive);
        Assert.False(Directory.Exists(drive), "TestDrive folder left behind: " + drive);
    }

    [Fact]
    public void An_error_during_discovery_fails_the_file_and_runs_nothing()
    {
        var r = Run("DiscoveryError.Tests.ps1");
        Assert.True(r.DiscoveryFailed);
        Assert.Contains(r.Failures, f => f.Where == "Discovery" && f.Message.Contains("discovery broke"));
        Assert.All(r.Tests, t => Assert.Equal("NotRun", t.Result));
    }
}

public class PesterFileResultTests
{
    [Fact]
    public void Repeated_test_paths_get_distinct_keys_in_order()
    {
        var r = new PesterFileResult
        {
            File = "x.Tests.ps1",
            Tests = [Test("A", "same"), Test("A", "other"), Test("A", "same"), Test("B", "same")],
        };
        Assert.Equal(["A > same", "A > other", "A > same #2", "B > same"], r.Keyed().Select(k => k.Key));
        Assert.Same(r.Tests[2], r.Find("A > same #2"));
        Assert.Null(r.Find("A > same #3"));
    }

    private static PesterTestResult Test(params string[] path) => new(path, "Passed", null, false, TimeSpan.Zero);
}
