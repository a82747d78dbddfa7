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
