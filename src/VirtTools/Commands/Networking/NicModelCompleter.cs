using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace VirtTools.Commands;

/// <summary>Completes the NIC models QEMU and Xen guests commonly use.</summary>
public sealed class NicModelCompleter : IArgumentCompleter
{
    private static readonly (string Text, string Tip)[] Models =
    [
        ("virtio", "paravirtual, fastest (KVM/QEMU)"), ("e1000e", "Intel 82574, q35's emulated NIC"), ("e1000", "Intel 82540EM"),
        ("rtl8139", "Realtek, for old guests"), ("netfront", "Xen PVHVM paravirtual"),
    ];

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) => CompletionText.Results(Models, CompletionText.Word(wordToComplete));
}
