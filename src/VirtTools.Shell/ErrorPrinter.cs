using System.Management.Automation;

namespace VirtTools.Shell;

/// <summary>
/// Error records as pwsh prints them in NormalView, minus the script position: the message
/// (prefixed by the command that failed), then the category and fully qualified id lines that
/// scripts and people search for.
/// </summary>
internal static class ErrorPrinter
{
    public static void Print(TextWriter stderr, ErrorRecord record)
    {
        var message = record.ErrorDetails?.Message is { Length: > 0 } details ? details : record.Exception?.Message ?? record.ToString();
        var command = record.InvocationInfo?.MyCommand?.Name;
        stderr.WriteLine(string.IsNullOrEmpty(command) ? message : $"{command}: {message}");
        stderr.WriteLine($"    + CategoryInfo          : {record.CategoryInfo}");
        stderr.WriteLine($"    + FullyQualifiedErrorId : {record.FullyQualifiedErrorId}");
        if (record.ErrorDetails?.RecommendedAction is { Length: > 0 } action)
            stderr.WriteLine($"    + RecommendedAction     : {action}");
    }
}
