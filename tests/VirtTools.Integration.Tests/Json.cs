using System.Text.Json;

namespace VirtTools.Integration.Tests;

/// <summary>Reading the guest's recorded JSON in assertions.</summary>
public static class Json
{
    public static JsonElement At(this JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            Assert.True(e.ValueKind == JsonValueKind.Object && e.TryGetProperty(p, out var next),
                $"recorded result has no '{p}' (in {string.Join('.', path)})");
            e = e.GetProperty(p);
        }
        return e;
    }

    public static string? Str(this JsonElement e, params string[] path)
    {
        var v = e.At(path);
        return v.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => v.GetString(),
            _ => v.GetRawText(),
        };
    }

    public static int? Int(this JsonElement e, params string[] path)
    {
        var v = e.At(path);
        return v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
    }

    public static string[] Strings(this JsonElement e, params string[] path)
    {
        var v = e.At(path);
        return v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToArray() : Array.Empty<string>();
    }

    /// <summary>The output objects of a recorded PowerShell invocation.</summary>
    public static JsonElement[] Output(this JsonElement invocation) => invocation.At("Output").EnumerateArray().ToArray();

    /// <summary>"FullyQualifiedErrorId: message" of every error of a recorded PowerShell invocation.</summary>
    public static string[] Errors(this JsonElement invocation) =>
        invocation.At("Errors").EnumerateArray().Select(x => $"{x.Str("FullyQualifiedErrorId")}: {x.Str("Message")}").ToArray();

    public static void NoErrors(this JsonElement invocation, string what) =>
        Assert.True(invocation.Errors().Length == 0, $"{what} failed:\n{string.Join('\n', invocation.Errors())}");

    /// <summary>The errno a raw sysfs write got ("OK" for success).</summary>
    public static string Errno(this JsonElement e, string write) => e.Str(write, "ErrnoName")!;
}
