using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;

namespace VirtTools.Shell;

/// <summary>
/// The host the embedded engine talks to: output to stdout, warnings and errors to stderr, prompts
/// read from stdin only when a person is there to answer them.
/// </summary>
internal sealed class ShellHost : PSHost
{
    private readonly Guid _id = Guid.NewGuid();
    private readonly ShellHostUserInterface _ui;

    public ShellHost(TextWriter stdout, TextWriter stderr, bool virtualTerminal, int width)
    {
        _ui = new ShellHostUserInterface(stdout, stderr, virtualTerminal, width);
    }

    /// <summary>Set when a script ran <c>exit N</c>.</summary>
    public int? ExitCode { get; private set; }

    public override string Name => "virttools";
    public override Version Version => typeof(ShellHost).Assembly.GetName().Version ?? new Version(0, 1);
    public override Guid InstanceId => _id;
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;

    public override void EnterNestedPrompt() => throw new PSNotSupportedException("virttools has no nested prompt.");
    public override void ExitNestedPrompt() => throw new PSNotSupportedException("virttools has no nested prompt.");
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
}

internal sealed class ShellHostUserInterface : PSHostUserInterface, IHostUISupportsMultipleChoiceSelection
{
    private readonly TextWriter _out;
    private readonly TextWriter _err;
    private readonly ShellRawUserInterface _raw;
    private readonly bool _vt;

    public ShellHostUserInterface(TextWriter stdout, TextWriter stderr, bool virtualTerminal, int width)
    {
        _out = stdout;
        _err = stderr;
        _vt = virtualTerminal;
        _raw = new ShellRawUserInterface(width);
    }

    public override PSHostRawUserInterface RawUI => _raw;

    // False when stdout is a file or a pipe: the formatter then writes no escape sequences.
    public override bool SupportsVirtualTerminal => _vt;

    // The formatter puts escape sequences (table header style) into the text itself; the host is
    // the one that strips them, as pwsh's console host does for redirected output.
    private string Plain(string? text) => PSHostUserInterface.GetOutputString(text ?? "", _vt);

    public override void Write(string value) => _out.Write(Plain(value));
    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => _out.Write(Plain(value));
    public override void WriteLine(string value) => _out.WriteLine(Plain(value));
    public override void WriteErrorLine(string value) => _err.WriteLine(Plain(value));
    public override void WriteDebugLine(string message) => _err.WriteLine("DEBUG: " + Plain(message));
    public override void WriteVerboseLine(string message) => _err.WriteLine("VERBOSE: " + Plain(message));
    public override void WriteWarningLine(string message) => _err.WriteLine("WARNING: " + Plain(message));
    public override void WriteProgress(long sourceId, ProgressRecord record) { }

    public override void WriteInformation(InformationRecord record)
    {
        // Write-Host records carry the PSHOST tag and must reach the screen; other information
        // records show only when $InformationPreference asks, and then the engine calls WriteLine.
        if (record.Tags.Contains("PSHOST")) _out.WriteLine(Plain(record.MessageData?.ToString()));
    }

    private static bool Interactive => !Console.IsInputRedirected;

    private static Exception CannotPrompt(string what) =>
        new HostException($"virttools cannot {what}: standard input is not a terminal. Pass the value as a parameter (for confirmations: -Confirm:$false).",
            null, "HostCannotPrompt", ErrorCategory.NotImplemented);

    public override string ReadLine()
    {
        if (!Interactive) throw CannotPrompt("read input");
        return Console.ReadLine() ?? "";
    }

    public override System.Security.SecureString ReadLineAsSecureString()
    {
        if (!Interactive) throw CannotPrompt("read a secret");
        var s = new System.Security.SecureString();
        for (var k = Console.ReadKey(true); k.Key != ConsoleKey.Enter; k = Console.ReadKey(true))
        {
            if (k.Key == ConsoleKey.Backspace) { if (s.Length > 0) s.RemoveAt(s.Length - 1); }
            else s.AppendChar(k.KeyChar);
        }
        _out.WriteLine();
        s.MakeReadOnly();
        return s;
    }

    public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions)
    {
        if (!Interactive) throw CannotPrompt("prompt for " + string.Join(", ", descriptions.Select(d => d.Name)));
        if (!string.IsNullOrEmpty(caption)) _out.WriteLine(caption);
        if (!string.IsNullOrEmpty(message)) _out.WriteLine(message);
        var result = new Dictionary<string, PSObject>();
        foreach (var d in descriptions)
        {
            _out.Write(d.Name + ": ");
            result[d.Name] = PSObject.AsPSObject(Console.ReadLine() ?? "");
        }
        return result;
    }

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        PromptForCredential(caption, message, userName, targetName, PSCredentialTypes.Default, PSCredentialUIOptions.Default);

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
        PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options)
    {
        if (!Interactive) throw CannotPrompt("prompt for a credential");
        _out.WriteLine(caption);
        _out.WriteLine(message);
        if (string.IsNullOrEmpty(userName))
        {
            _out.Write("User: ");
            userName = Console.ReadLine() ?? "";
        }
        _out.Write("Password for " + userName + ": ");
        return new PSCredential(userName, ReadLineAsSecureString());
    }

    public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice)
    {
        var picked = PromptForChoice(caption, message, choices, defaultChoice < 0 ? Array.Empty<int>() : new[] { defaultChoice });
        return picked.Count > 0 ? picked.First() : defaultChoice;
    }

    public System.Collections.ObjectModel.Collection<int> PromptForChoice(string? caption, string? message,
        System.Collections.ObjectModel.Collection<ChoiceDescription> choices, IEnumerable<int>? defaultChoices)
    {
        // ShouldProcess with ConfirmImpact High lands here; a script run from cron must fail, not hang.
        if (!Interactive) throw CannotPrompt("ask for confirmation (" + message + ")");
        var hotkeys = choices.Select(HotKey).ToArray();
        var defaults = defaultChoices?.ToList() ?? new List<int>();
        while (true)
        {
            if (!string.IsNullOrEmpty(caption)) _out.WriteLine(caption);
            if (!string.IsNullOrEmpty(message)) _out.WriteLine(message);
            for (var i = 0; i < choices.Count; i++)
                _out.Write($"[{hotkeys[i]}] {choices[i].Label.Replace("&", "")}  ");
            if (defaults.Count > 0) _out.Write($"(default is \"{string.Join(",", defaults.Select(d => hotkeys[d]))}\"): ");
            var answer = (Console.ReadLine() ?? "").Trim();
            if (answer.Length == 0 && defaults.Count > 0) return new(defaults);
            for (var i = 0; i < choices.Count; i++)
                if (string.Equals(answer, hotkeys[i], StringComparison.OrdinalIgnoreCase) ||
                    string.Equals(answer, choices[i].Label.Replace("&", ""), StringComparison.OrdinalIgnoreCase))
                    return new() { i };
        }
    }

    private static string HotKey(ChoiceDescription c)
    {
        var amp = c.Label.IndexOf('&');
        return amp >= 0 && amp + 1 < c.Label.Length ? c.Label[amp + 1].ToString().ToUpperInvariant() : c.Label;
    }
}

/// <summary>Only the width matters: Out-Default lays tables out to BufferSize.Width.</summary>
internal sealed class ShellRawUserInterface : PSHostRawUserInterface
{
    private Size _buffer;

    public ShellRawUserInterface(int width) => _buffer = new Size(width, 9999);

    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
    public override Coordinates CursorPosition { get; set; }
    public override Coordinates WindowPosition { get; set; }
    public override int CursorSize { get; set; } = 25;
    public override Size BufferSize { get => _buffer; set => _buffer = value; }
    public override Size WindowSize { get => new(_buffer.Width, 50); set { } }
    public override Size MaxWindowSize => new(_buffer.Width, 50);
    public override Size MaxPhysicalWindowSize => new(_buffer.Width, 50);
    public override bool KeyAvailable => false;
    public override string WindowTitle { get; set; } = "virttools";

    public override KeyInfo ReadKey(ReadKeyOptions options) => throw new PSNotSupportedException("virttools does not read single keys.");
    public override void FlushInputBuffer() { }
    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new PSNotSupportedException("virttools has no screen buffer.");
    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new PSNotSupportedException("virttools has no screen buffer.");
    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new PSNotSupportedException("virttools has no screen buffer.");
    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) => throw new PSNotSupportedException("virttools has no screen buffer.");
}
