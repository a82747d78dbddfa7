[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace VirtTools.Acceptance;

/// <summary>The project's Pester acceptance tests (tests/Pester/*.Tests.ps1), one xUnit result per It.</summary>
public class AcceptanceTests
{
    [PesterFact("tests/Pester")]
    public void Pester(string file, string test)
    {
        var result = PesterHost.RunCached(Repo.Combine(file));
        if (test == PesterTestDiscoverer.FileKey)
        {
            if (result.Failures.Count > 0)
                Assert.Fail(string.Join("\n\n", result.Failures));
            // xUnit learnt the tests from a separate discovery; a test only the run found would go unreported.
            var listed = PesterHost.Run(Repo.Combine(file), discoveryOnly: true).Keyed().Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
            var unlisted = result.Keyed().Select(k => k.Key).Where(k => !listed.Contains(k)).ToList();
            if (unlisted.Count > 0)
                Assert.Fail("Discovery is not repeatable: the run found tests that discovery did not: " + string.Join(" | ", unlisted));
            return;
        }
        var found = result.Find(test);
        if (found is null)
        {
            var reason = result.DiscoveryFailed ? string.Join("\n\n", result.Failures) : "the run discovered a different set of tests than xUnit discovery did";
            Assert.Fail($"'{test}' did not run: {reason}");
            return;
        }
        switch (found.Result)
        {
            case "Passed":
            case "Skipped":
                return;
            case "Failed":
                Assert.Fail(found.Message ?? "failed");
                return;
            default:
                Assert.Fail($"'{test}' ended as {found.Result}.");
                return;
        }
    }
}
