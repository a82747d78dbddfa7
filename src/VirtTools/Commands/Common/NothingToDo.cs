namespace VirtTools.Commands;

/// <summary>
/// The warning of a changing cmdlet that found everything as asked: without it only -Verbose said so,
/// and a silent run reads as a change made.
/// </summary>
public static class NothingToDo
{
    public static string Message(IEnumerable<string> why)
    {
        var reasons = string.Join(" ", why.Where(w => !string.IsNullOrWhiteSpace(w)));
        return reasons.Length == 0 ? "Nothing to do; nothing was changed." : "Nothing to do: " + reasons;
    }
}
