using System.Xml.Linq;

namespace VirtTools.Networking;

/// <summary>One &lt;interface&gt; of a domain definition, read; <see cref="Element"/> is the element itself (libvirt wants it back to detach or update).</summary>
public sealed record GuestNic(string Type, string? Source, string? Model, string? MacAddress, string LinkState, string? Device, XElement Element);
