namespace VirtTools;

/// <summary>One libvirt snapshot of a guest. Runbooks depend on these property names: keep them.</summary>
public sealed class VMGuestSnapshot
{
    /// <summary>The guest's name.</summary>
    public string Guest { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    /// <summary>When libvirt took it (its creationTime, seconds since the epoch), in local time.</summary>
    public DateTime CreationTime { get; set; }
    /// <summary>The state the guest was in when it was taken: running, paused, shutoff, disk-snapshot ...</summary>
    public string State { get; set; } = "";
    /// <summary>The parent snapshot's name; null for a root.</summary>
    public string? Parent { get; set; }
    public bool IsCurrent { get; set; }
    /// <summary>True when the guest's memory was saved with it: reverting resumes the guest where it was.</summary>
    public bool HasMemory { get; set; }
    /// <summary>Internal (inside the qcow2 images) or external (overlay files).</summary>
    public string Location { get; set; } = "";
    public string ConnectionUri { get; set; } = "";

    public override string ToString() => $"{Guest}/{Name}";
}
